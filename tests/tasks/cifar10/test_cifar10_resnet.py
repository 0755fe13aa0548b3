"""The CIFAR ResNet-18: parameter counts, output shape, width and activation options."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from robustsel.tasks.cifar10 import resnet18
from robustsel.training import seeded


def n_parameters(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def test_the_full_resnet18_has_the_cifar_parameter_count_and_output_shape() -> None:
    net = resnet18()
    assert n_parameters(net) == 11_173_962
    net.eval()
    with torch.no_grad():
        assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


def test_the_stem_is_a_stride_one_3x3_convolution_without_max_pool() -> None:
    net = resnet18()
    stem = net[0]
    assert isinstance(stem, nn.Conv2d)
    assert (stem.kernel_size, stem.stride, stem.bias) == ((3, 3), (1, 1), None)
    assert not any(isinstance(m, nn.MaxPool2d) for m in net.modules())


@pytest.mark.parametrize(("filters", "count"), [(32, 2_797_610), (16, 701_466), (4, 44_622)])
def test_base_filters_scale_every_stage(filters: int, count: int) -> None:
    net = resnet18(base_filters=filters, num_classes=10)
    assert n_parameters(net) == count
    assert net[-1].in_features == 8 * filters


@pytest.mark.parametrize(("activation", "extra"), [("relu", 0), ("leakyrelu", 0), ("prelu", 17)])
def test_activations(activation: str, extra: int) -> None:
    net = resnet18(base_filters=4, activation=activation)
    assert n_parameters(net) == 44_622 + extra
    assert net(torch.zeros(3, 3, 32, 32)).shape == (3, 10)


def test_initialization_follows_the_seed() -> None:
    with seeded(7):
        a = resnet18(base_filters=4)
    with seeded(7):
        b = resnet18(base_filters=4)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"activation": "gelu"}, "activation must be one of relu, prelu, leakyrelu; got 'gelu'."),
        ({"base_filters": 0}, "base_filters must be >= 1; got 0."),
        ({"num_classes": 0}, "num_classes must be >= 1; got 0."),
    ],
)
def test_bad_arguments_raise(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message.replace('.', '[.]')}$"):
        resnet18(**kwargs)  # type: ignore[arg-type]
