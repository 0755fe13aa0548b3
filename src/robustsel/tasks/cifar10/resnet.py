"""ResNet-18 in its CIFAR form: the base model of the CIFAR-10 evaluation.

He et al.'s ResNet-18 (basic blocks, 2-2-2-2) with the stem that CIFAR's 32 x 32
images call for: one 3 x 3 convolution of stride 1 and no max-pool. It is the
network of the Benchopt ResNet-18 benchmark (``torchvision``'s ``resnet18`` with
that stem), whose 95.55% on CIFAR-10 is the base model of Boldyrev et al. (2025);
with 64 base filters and 10 classes it has 11,173,962 parameters. The authors
also varied the filters (32, 64, 128 base filters) and the activation (ReLU,
PReLU, LeakyReLU); both are arguments here.
"""

from __future__ import annotations

from typing import Literal

from torch import Tensor, nn

Activation = Literal["relu", "prelu", "leakyrelu"]
ACTIVATIONS: tuple[Activation, ...] = ("relu", "prelu", "leakyrelu")
STAGES = (2, 2, 2, 2)


def resnet18(
    num_classes: int = 10, *, base_filters: int = 64, activation: Activation = "relu"
) -> nn.Module:
    """The CIFAR ResNet-18.

    Parameters
    ----------
    num_classes : int, default=10
        Outputs (logits) of the final linear layer.
    base_filters : int, default=64
        Filters of the stem and the first stage; the later stages have 2, 4 and
        8 times as many.
    activation : {"relu", "prelu", "leakyrelu"}, default="relu"
        The nonlinearity after each batch normalization (PReLU: one learned
        slope per site; LeakyReLU: slope 0.01).

    Returns
    -------
    torch.nn.Module
        Takes ``(N, 3, H, W)`` float images, returns ``(N, num_classes)`` logits.
        Convolutions have Kaiming-normal weights (fan-out), batch normalizations
        unit weight and zero bias, as in ``torchvision``.

    Raises
    ------
    ValueError
        ``num_classes`` or ``base_filters`` below 1, or an unknown activation.

    Examples
    --------
    >>> net = resnet18()
    >>> sum(p.numel() for p in net.parameters())
    11173962
    >>> import torch
    >>> resnet18(base_filters=4)(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 10])
    """
    if num_classes < 1:
        raise ValueError(f"num_classes must be >= 1; got {num_classes}.")
    if base_filters < 1:
        raise ValueError(f"base_filters must be >= 1; got {base_filters}.")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}; got {activation!r}.")
    layers: list[nn.Module] = [
        nn.Conv2d(3, base_filters, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(base_filters),
        _activation(activation),
    ]
    channels = base_filters
    for stage, blocks in enumerate(STAGES):
        width = base_filters * 2**stage
        for block in range(blocks):
            stride = 2 if stage > 0 and block == 0 else 1
            layers.append(BasicBlock(channels, width, stride=stride, activation=activation))
            channels = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, num_classes)]
    net = nn.Sequential(*layers)
    _initialize(net)
    return net


class BasicBlock(nn.Module):
    """Two 3 x 3 convolutions with batch normalization and a shortcut.

    The shortcut is the identity, or a strided 1 x 1 convolution with batch
    normalization when the block changes the resolution or the width.
    """

    def __init__(self, channels: int, width: int, *, stride: int, activation: Activation) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, width, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.act1 = _activation(activation)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.act2 = _activation(activation)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or channels != width:
            self.shortcut = nn.Sequential(
                nn.Conv2d(channels, width, 1, stride=stride, bias=False), nn.BatchNorm2d(width)
            )

    def forward(self, x: Tensor) -> Tensor:
        out = self.act1(self.bn1(self.conv1(x)))
        return self.act2(self.bn2(self.conv2(out)) + self.shortcut(x))


def _activation(name: Activation) -> nn.Module:
    if name == "prelu":
        return nn.PReLU()
    if name == "leakyrelu":
        return nn.LeakyReLU(0.01, inplace=True)
    return nn.ReLU(inplace=True)


def _initialize(net: nn.Module) -> None:
    for module in net.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
