"""The calorimeter model family: small convolutional networks from plain configurations.

The search space follows the inductive bias of Boldyrev et al. (2025): at most two
convolution layers, at most four fully connected layers (the output layer
included), at most 30,000 trainable parameters, Kaiming initialization. Free:
channels, kernel sizes, padding and pooling of each convolution, neurons per
fully connected layer, the activation.

A configuration is a plain (YAML-friendly) dict; these keys describe the network
and every other key (learning rate, batch size, optimizer, ...) is left to the
task that trains it:

``target``
    ``"energy"`` (1 output) or ``"position"`` (2 outputs, x and y).
``window``
    Side of the input window, default 15.
``conv``
    List of 1 or 2 convolution layers, each ``{"channels": int, "kernel": odd
    int, "padding": "same" | "valid", "pool": int}`` (padding defaults to
    ``"same"``, pool to 1, no pooling).
``pool``
    ``"max"`` (default) or ``"avg"``.
``dense``
    Neurons of the hidden fully connected layers, at most 3 (default none).
``activation``
    One of :data:`ACTIVATIONS`, default ``"relu"``.

Parameter counting and validation are pure Python; torch is imported only when
:func:`build_model` builds a network.

References
----------
A. Boldyrev, F. Ratnikov, A. Shevelev, "Approach to Finding a Robust Deep Learning
Model", IEEE Access (2025), doi:10.1109/ACCESS.2025.3578926.
K. He et al., "Delving Deep into Rectifiers", ICCV (2015): Kaiming initialization.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from torch import nn

MAX_PARAMETERS = 30_000
MAX_CONV_LAYERS = 2
MAX_DENSE_LAYERS = 4
"""Fully connected layers, the output layer included."""
OUTPUTS: dict[str, int] = {"energy": 1, "position": 2}
ACTIVATIONS = ("relu", "prelu", "leaky_relu", "elu", "gelu", "silu", "tanh")
POOLS = ("max", "avg")
PADDINGS = ("same", "valid")
ARCHITECTURE_KEYS = ("target", "window", "conv", "pool", "dense", "activation")
LEAKY_SLOPE = 0.01
PRELU_INIT = 0.25

PAPER_MODELS: dict[str, dict[str, Any]] = {
    "energy-1": {
        "target": "energy",
        "conv": [
            {"channels": 16, "kernel": 3, "pool": 2},
            {"channels": 32, "kernel": 3, "pool": 2},
        ],
        "dense": [64, 16],
        "activation": "relu",
    },
    "energy-2": {
        "target": "energy",
        "conv": [
            {"channels": 12, "kernel": 5, "pool": 3},
            {"channels": 24, "kernel": 3},
        ],
        "dense": [32, 32, 16],
        "activation": "relu",
    },
    "position-1": {
        "target": "position",
        "conv": [
            {"channels": 16, "kernel": 3, "pool": 2},
            {"channels": 32, "kernel": 3, "padding": "valid"},
        ],
        "dense": [24, 16],
        "activation": "prelu",
    },
    "position-2": {
        "target": "position",
        "conv": [
            {"channels": 8, "kernel": 3, "padding": "valid"},
            {"channels": 16, "kernel": 3, "padding": "valid", "pool": 2},
        ],
        "dense": [52, 24],
        "activation": "prelu",
    },
}
"""The paper's two energy and two position models, *reconstructed*.

The layer tables of the models Boldyrev et al. (2025) selected (about 24k
parameters each) were not available in text, only as slide images. These four
configurations are reconstructions within the paper's stated constraints: 15 x 15
input, at most 2 convolutions and 4 fully connected layers, 23-25k trainable
parameters, ReLU for energy and PReLU for position. They are not the authors'
exact networks; see docs/ecal.md.
"""

EXAMPLE_GRID: dict[str, Any] = {
    "target": "energy",
    "conv": [
        [{"channels": 8, "kernel": 3, "pool": 2}, {"channels": 16, "kernel": 3, "pool": 2}],
        [{"channels": 16, "kernel": 5, "pool": 3}],
    ],
    "dense": [[64, 16], [32, 32, 16]],
    "activation": ["relu", "prelu"],
}
"""A small grid of the family (8 models) for :func:`robustsel.space.expand_grid`."""


@dataclass(frozen=True)
class Layer:
    """One layer of a configured network.

    Attributes
    ----------
    kind : {"conv", "activation", "pool", "flatten", "linear"}
        The layer's type.
    shape : tuple of int
        Output shape of one sample: ``(channels, height, width)`` or ``(features,)``.
    parameters : int
        Trainable parameters.
    args : dict
        What builds it: sizes of a convolution or linear layer, the pooling
        kind and size, the activation's name.
    """

    kind: str
    shape: tuple[int, ...]
    parameters: int
    args: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """Short description, e.g. ``conv 1->16 k3 same`` or ``maxpool 2``."""
        a = self.args
        if self.kind == "conv":
            return f"conv {a['in']}->{a['out']} k{a['kernel']} {a['padding']}"
        if self.kind == "linear":
            return f"linear {a['in']}->{a['out']}"
        if self.kind == "pool":
            return f"{a['pool']}pool {a['size']}"
        return str(a.get("activation", self.kind))


def layers(params: Mapping[str, Any]) -> list[Layer]:
    """The layers a configuration builds, with output shapes and parameter counts.

    Keys outside :data:`ARCHITECTURE_KEYS` are ignored.

    Raises
    ------
    ValueError
        When an architecture key has a bad value (the message names it and the rule).

    Examples
    --------
    >>> for layer in layers({"conv": [{"channels": 4, "kernel": 3, "pool": 3}]}):
    ...     print(layer.name, layer.shape, layer.parameters)
    conv 1->4 k3 same (4, 15, 15) 40
    relu (4, 15, 15) 0
    maxpool 3 (4, 5, 5) 0
    flatten (100,) 0
    linear 100->1 (1,) 101
    """
    arch = _architecture(params)
    act = {"activation": arch["activation"]}
    act_parameters = 1 if arch["activation"] == "prelu" else 0
    size, channels = arch["window"], 1
    out: list[Layer] = []
    for number, conv in enumerate(arch["conv"], start=1):
        k, width = conv["kernel"], conv["channels"]
        size = size if conv["padding"] == "same" else size - k + 1
        if size < 1:
            raise ValueError(
                f"conv layer {number}: kernel {k} leaves no cells; use padding 'same' or a "
                "smaller kernel."
            )
        args = {"in": channels, "out": width, "kernel": k, "padding": conv["padding"]}
        out.append(Layer("conv", (width, size, size), channels * width * k * k + width, args))
        channels = width
        out.append(Layer("activation", (channels, size, size), act_parameters, act))
        if conv["pool"] > 1:
            size //= conv["pool"]
            if size < 1:
                raise ValueError(
                    f"conv layer {number}: pool {conv['pool']} leaves no cells; use a smaller pool."
                )
            pool = {"pool": arch["pool"], "size": conv["pool"]}
            out.append(Layer("pool", (channels, size, size), 0, pool))
    features = channels * size * size
    out.append(Layer("flatten", (features,), 0))
    for width in arch["dense"]:
        args = {"in": features, "out": width}
        out.append(Layer("linear", (width,), features * width + width, args))
        out.append(Layer("activation", (width,), act_parameters, act))
        features = width
    n_out = OUTPUTS[arch["target"]]
    out.append(Layer("linear", (n_out,), features * n_out + n_out, {"in": features, "out": n_out}))
    return out


def count_parameters(params: Mapping[str, Any]) -> int:
    """Trainable parameters of the network a configuration builds (no torch needed).

    Examples
    --------
    >>> {name: count_parameters(p) for name, p in PAPER_MODELS.items()}
    {'energy-1': 24353, 'energy-2': 23761, 'position-1': 24462, 'position-2': 23426}
    """
    return sum(layer.parameters for layer in layers(params))


def check_architecture(params: Mapping[str, Any], *, max_parameters: int = MAX_PARAMETERS) -> None:
    """Raise ``ValueError`` unless ``params`` describes a network of the family.

    Usable as the ``check`` of :func:`robustsel.space.expand_grid`.

    Parameters
    ----------
    params : mapping
        The configuration; keys outside :data:`ARCHITECTURE_KEYS` are ignored.
    max_parameters : int, default=30000
        The limit on trainable parameters.

    Examples
    --------
    >>> check_architecture(PAPER_MODELS["energy-1"])
    >>> check_architecture({"conv": [{"channels": 32, "kernel": 3}], "dense": [16]})
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: the network has 115,553 trainable parameters, over the limit of 30,000; use ...
    """
    n = count_parameters(params)
    if n > max_parameters:
        raise ValueError(
            f"the network has {n:,} trainable parameters, over the limit of {max_parameters:,}; "
            "use fewer channels, more pooling or fewer neurons."
        )


def build_model(params: Mapping[str, Any], *, seed: int | None = None) -> nn.Sequential:
    """Build the network of a configuration, Kaiming-initialized.

    Parameters
    ----------
    params : mapping
        The configuration (keys outside :data:`ARCHITECTURE_KEYS` are ignored).
    seed : int or None
        Seed of the initialization; None uses torch's global generator.

    Returns
    -------
    torch.nn.Sequential
        Input ``(N, 1, window, window)``, output ``(N, 1)`` for energy or
        ``(N, 2)`` for position. Convolution and linear weights are drawn from
        Kaiming normal distributions (fan-in, with the activation's gain; the
        output layer linear), biases start at 0, PReLU slopes at 0.25.

    Examples
    --------
    >>> import torch
    >>> net = build_model(PAPER_MODELS["position-1"], seed=0)
    >>> net(torch.zeros(5, 1, 15, 15)).shape
    torch.Size([5, 2])
    >>> sum(p.numel() for p in net.parameters() if p.requires_grad)
    24462
    """
    import torch
    from torch import nn

    plan = layers(params)
    activation = _architecture(params)["activation"]
    modules = [_module(layer) for layer in plan]
    generator = None if seed is None else torch.Generator().manual_seed(seed)
    slope, nonlinearity = _KAIMING[activation]
    weighted = [m for m in modules if isinstance(m, nn.Conv2d | nn.Linear)]
    for number, module in enumerate(weighted, start=1):
        last = number == len(weighted)
        nn.init.kaiming_normal_(
            module.weight,
            a=0 if last else slope,
            nonlinearity="linear" if last else nonlinearity,
            generator=generator,
        )
        nn.init.zeros_(module.bias)
    return nn.Sequential(*modules)


_KAIMING: dict[str, tuple[float, Literal["relu", "leaky_relu", "tanh"]]] = {
    "relu": (0.0, "relu"),
    "prelu": (PRELU_INIT, "leaky_relu"),
    "leaky_relu": (LEAKY_SLOPE, "leaky_relu"),
    "elu": (0.0, "relu"),
    "gelu": (0.0, "relu"),
    "silu": (0.0, "relu"),
    "tanh": (0.0, "tanh"),
}


def _module(layer: Layer) -> nn.Module:
    from torch import nn

    a = layer.args
    if layer.kind == "conv":
        return nn.Conv2d(a["in"], a["out"], a["kernel"], padding=a["padding"])
    if layer.kind == "linear":
        return nn.Linear(a["in"], a["out"])
    if layer.kind == "pool":
        return nn.MaxPool2d(a["size"]) if a["pool"] == "max" else nn.AvgPool2d(a["size"])
    if layer.kind == "flatten":
        return nn.Flatten()
    return {
        "relu": nn.ReLU,
        "prelu": lambda: nn.PReLU(init=PRELU_INIT),
        "leaky_relu": lambda: nn.LeakyReLU(LEAKY_SLOPE),
        "elu": nn.ELU,
        "gelu": nn.GELU,
        "silu": nn.SiLU,
        "tanh": nn.Tanh,
    }[a["activation"]]()


def _architecture(params: Mapping[str, Any]) -> dict[str, Any]:
    """The architecture keys of ``params``, checked, with defaults filled in."""
    arch = {
        "target": params.get("target", "energy"),
        "window": params.get("window", 15),
        "conv": params.get("conv"),
        "pool": params.get("pool", "max"),
        "dense": params.get("dense", []),
        "activation": params.get("activation", "relu"),
    }
    _check_choice("target", arch["target"], tuple(OUTPUTS))
    _check_choice("pool", arch["pool"], POOLS)
    _check_choice("activation", arch["activation"], ACTIVATIONS)
    if not _is_int(arch["window"]) or arch["window"] < 3 or arch["window"] % 2 == 0:
        raise ValueError(f"window must be an odd number of cells >= 3; got {arch['window']!r}.")
    conv = arch["conv"]
    if not isinstance(conv, list | tuple) or not 1 <= len(conv) <= MAX_CONV_LAYERS:
        raise ValueError(
            f"conv must be a list of 1 to {MAX_CONV_LAYERS} convolution layers; got {conv!r}."
        )
    arch["conv"] = [_conv_layer(number, layer) for number, layer in enumerate(conv, start=1)]
    dense = arch["dense"]
    if (
        not isinstance(dense, list | tuple)
        or len(dense) > MAX_DENSE_LAYERS - 1
        or not all(_is_int(n) and n >= 1 for n in dense)
    ):
        raise ValueError(
            f"dense must list at most {MAX_DENSE_LAYERS - 1} hidden layer sizes >= 1 (the output "
            f"layer makes {MAX_DENSE_LAYERS}); got {dense!r}."
        )
    return arch


def _conv_layer(number: int, layer: Any) -> dict[str, Any]:
    where = f"conv layer {number}"
    if not isinstance(layer, Mapping):
        raise ValueError(f"{where} must be a mapping with channels and kernel; got {layer!r}.")
    unknown = set(layer) - {"channels", "kernel", "padding", "pool"}
    if unknown:
        raise ValueError(
            f"{where}: unknown keys {sorted(unknown)}; use channels, kernel, padding, pool."
        )
    conv = {"padding": "same", "pool": 1, **layer}
    if not _is_int(conv.get("channels")) or conv["channels"] < 1:
        raise ValueError(
            f"{where}: channels must be an integer >= 1; got {conv.get('channels')!r}."
        )
    kernel = conv.get("kernel")
    if not _is_int(kernel) or kernel < 1 or kernel % 2 == 0:
        raise ValueError(f"{where}: kernel must be an odd integer >= 1; got {kernel!r}.")
    _check_choice(f"{where}: padding", conv["padding"], PADDINGS)
    if not _is_int(conv["pool"]) or conv["pool"] < 1:
        raise ValueError(f"{where}: pool must be an integer >= 1 (1: none); got {conv['pool']!r}.")
    return conv


def _check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}.")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
