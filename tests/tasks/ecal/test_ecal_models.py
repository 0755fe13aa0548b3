"""Tests of the ECAL model family: parameter counts, limits, initialization."""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")

from robustsel.space import expand_grid  # noqa: E402
from robustsel.tasks.ecal.models import (  # noqa: E402
    EXAMPLE_GRID,
    MAX_PARAMETERS,
    PAPER_MODELS,
    build_model,
    check_architecture,
    count_parameters,
    layers,
)

CONFIGS: list[dict[str, Any]] = [
    *PAPER_MODELS.values(),
    {"conv": [{"channels": 4, "kernel": 1}], "activation": "tanh"},
    {
        "target": "position",
        "window": 9,
        "conv": [{"channels": 6, "kernel": 5, "padding": "valid", "pool": 2}],
        "pool": "avg",
        "dense": [10, 10, 10],
        "activation": "leaky_relu",
    },
    {"conv": [{"channels": 3, "kernel": 3}, {"channels": 5, "kernel": 7}], "activation": "gelu"},
    {"conv": [{"channels": 2, "kernel": 3, "pool": 5}], "dense": [7], "activation": "elu"},
    {"conv": [{"channels": 2, "kernel": 3}], "dense": [3], "activation": "silu", "lr": 0.1},
]


ONE_CONV: dict[str, Any] = {"conv": [{"channels": 2, "kernel": 3}]}


def trainable(net: Any) -> int:
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


@pytest.mark.parametrize("params", CONFIGS)
def test_count_matches_torch_and_output_shape(params: dict[str, Any]) -> None:
    net = build_model(params, seed=0)
    assert trainable(net) == count_parameters(params)
    window = params.get("window", 15)
    outputs = 2 if params.get("target") == "position" else 1
    assert net(torch.zeros(3, 1, window, window)).shape == (3, outputs)


@pytest.mark.parametrize("name", sorted(PAPER_MODELS))
def test_paper_models_follow_the_papers_constraints(name: str) -> None:
    params = PAPER_MODELS[name]
    plan = layers(params)
    assert 22_000 <= count_parameters(params) <= 26_000
    assert 1 <= sum(layer.kind == "conv" for layer in plan) <= 2
    assert sum(layer.kind == "linear" for layer in plan) <= 4
    expected = "relu" if name.startswith("energy") else "prelu"
    assert params["activation"] == expected
    assert params["target"] == name.split("-")[0]
    check_architecture(params)


def test_kaiming_initialization() -> None:
    params = {"conv": [{"channels": 32, "kernel": 5}], "dense": [300], "activation": "relu"}
    net = build_model(params, seed=1)
    conv, hidden, output = (m for m in net if isinstance(m, torch.nn.Conv2d | torch.nn.Linear))
    assert conv.weight.std().item() == pytest.approx((2 / 25) ** 0.5, rel=0.1)
    assert hidden.weight.std().item() == pytest.approx((2 / (32 * 225)) ** 0.5, rel=0.05)
    assert output.weight.std().item() == pytest.approx((1 / 300) ** 0.5, rel=0.2)
    assert all(float(m.bias.detach().abs().max()) == 0.0 for m in (conv, hidden, output))


def test_prelu_starts_at_a_quarter_and_counts_one_parameter() -> None:
    net = build_model(PAPER_MODELS["position-1"], seed=0)
    slopes = [m.weight.item() for m in net if isinstance(m, torch.nn.PReLU)]
    assert slopes == [0.25] * 4


def test_seed_fixes_the_initialization() -> None:
    first = build_model(PAPER_MODELS["energy-1"], seed=7).state_dict()
    again = build_model(PAPER_MODELS["energy-1"], seed=7).state_dict()
    other = build_model(PAPER_MODELS["energy-1"], seed=8).state_dict()
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert not torch.equal(first["0.weight"], other["0.weight"])


def test_limit_rejects_large_networks_with_the_count() -> None:
    big = {"conv": [{"channels": 16, "kernel": 3}], "dense": [32]}
    with pytest.raises(ValueError) as error:
        check_architecture(big)
    assert str(error.value) == (
        f"the network has {count_parameters(big):,} trainable parameters, over the limit of "
        f"{MAX_PARAMETERS:,}; use fewer channels, more pooling or fewer neurons."
    )
    check_architecture(big, max_parameters=200_000)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "conv must be a list of 1 to 2 convolution layers; got None."),
        ({"conv": [{"channels": 1, "kernel": 1}] * 3}, "conv must be a list of 1 to 2"),
        (
            {"conv": [{"channels": 0, "kernel": 3}]},
            "conv layer 1: channels must be an integer >= 1",
        ),
        ({"conv": [{"channels": 2, "kernel": 4}]}, "conv layer 1: kernel must be an odd integer"),
        (
            {"conv": [{"channels": 2, "kernel": 3}, {"channels": 2, "kernel": 3, "stride": 2}]},
            "conv layer 2: unknown keys ['stride']; use channels, kernel, padding, pool.",
        ),
        (
            {"conv": [{"channels": 2, "kernel": 3, "padding": "full"}]},
            "conv layer 1: padding must be one of same, valid; got 'full'.",
        ),
        (
            {"conv": [{"channels": 2, "kernel": 3, "pool": 20}]},
            "conv layer 1: pool 20 leaves no cells; use a smaller pool.",
        ),
        (
            {"conv": [{"channels": 2, "kernel": 17, "padding": "valid"}]},
            "conv layer 1: kernel 17 leaves no cells",
        ),
        (
            {**ONE_CONV, "dense": [8, 8, 8, 8]},
            "dense must list at most 3",
        ),
        (
            {**ONE_CONV, "activation": "swish"},
            "activation must be one of",
        ),
        (
            {**ONE_CONV, "target": "angle"},
            "target must be one of energy",
        ),
        ({**ONE_CONV, "window": 8}, "window must be an odd number"),
    ],
)
def test_bad_configurations(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as error:
        check_architecture(params)
    assert str(error.value).startswith(message)


def test_example_grid_expands_into_valid_models() -> None:
    models = expand_grid(EXAMPLE_GRID, check=check_architecture)
    assert len(models) == 8
    assert len({m.model_id for m in models}) == 8
    assert all(count_parameters(m.params) <= MAX_PARAMETERS for m in models)


def test_grid_rejects_models_over_the_limit_by_name() -> None:
    grid = {"conv": [[{"channels": 4, "kernel": 3, "pool": 3}], [{"channels": 128, "kernel": 3}]]}
    with pytest.raises(
        ValueError, match=r"model model_[0-9a-f]{8} .*\"channels\":128.* is invalid: "
    ):
        expand_grid(grid, check=check_architecture)
    kept = expand_grid(grid, check=check_architecture, invalid="skip")
    assert [m.params["conv"][0]["channels"] for m in kept] == [4]
