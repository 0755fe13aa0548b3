"""Tests of the search-space expansion."""

from __future__ import annotations

from typing import Any

import pytest

from robustsel.space import canonical_json, expand_grid, model_id
from robustsel.types import Model

GRID: dict[str, Any] = {
    "lr": [0.001, 0.01],
    "conv": [[{"channels": 8, "kernel": 3}], [{"channels": 4, "kernel": 5}, {"channels": 8}]],
    "dense": [[64, 32], [128]],
    "epochs": 20,
}


def test_every_combination_in_sorted_key_order() -> None:
    models = expand_grid(GRID)
    assert len(models) == 8
    assert all(isinstance(m, Model) for m in models)
    assert list(models[0].params) == ["conv", "dense", "epochs", "lr"]
    assert [m.params["lr"] for m in models[:2]] == [0.001, 0.01]  # last key fastest
    assert [m.params["dense"] for m in models[:4:2]] == [[64, 32], [128]]
    assert models[0].params["conv"] == [{"channels": 8, "kernel": 3}]
    assert all(m.params["epochs"] == 20 for m in models)


def test_order_and_ids_do_not_depend_on_how_the_grid_is_written() -> None:
    reordered = dict(reversed(list(GRID.items())))
    assert [m.model_id for m in expand_grid(reordered)] == [m.model_id for m in expand_grid(GRID)]


def test_ids_are_stable_hashes_of_the_configuration() -> None:
    models = expand_grid(GRID)
    assert len({m.model_id for m in models}) == len(models)
    assert all(m.model_id == model_id(m.params) for m in models)
    assert model_id({"lr": 0.001}) == "model_d368ce5a"
    assert model_id({"lr": 1e-3}) == model_id({"lr": 0.001})
    assert canonical_json({"b": {"y": 1, "x": 2}, "a": 1}) == '{"a":1,"b":{"x":2,"y":1}}'


def test_params_are_copies_of_the_grid() -> None:
    grid = {"dense": [[64, 32]]}
    models = expand_grid(grid)
    models[0].params["dense"].append(1)
    assert grid["dense"] == [[64, 32]]
    assert expand_grid(grid)[0].params["dense"] == [64, 32]


def test_sample_is_a_seeded_subset_in_grid_order() -> None:
    everything = [m.model_id for m in expand_grid(GRID)]
    first = [m.model_id for m in expand_grid(GRID, sample=3, seed=1)]
    assert first == [m.model_id for m in expand_grid(GRID, sample=3, seed=1)]
    assert len(set(first)) == 3
    assert first == [i for i in everything if i in first]
    draws = {tuple(m.model_id for m in expand_grid(GRID, sample=3, seed=s)) for s in range(10)}
    assert len(draws) > 1
    assert [m.model_id for m in expand_grid(GRID, sample=8)] == everything


def test_check_names_the_invalid_configuration() -> None:
    def small(params: dict[str, Any]) -> None:
        if params["lr"] > 0.005:
            raise ValueError(f"lr must be <= 0.005; got {params['lr']}.")

    with pytest.raises(ValueError) as error:
        expand_grid({"lr": [0.001, 0.01]}, check=small)
    bad = model_id({"lr": 0.01})
    assert (
        str(error.value) == f'model {bad} {{"lr":0.01}} is invalid: lr must be <= 0.005; got 0.01.'
    )
    kept = expand_grid({"lr": [0.001, 0.01, 0.003]}, check=small, invalid="skip", sample=2)
    assert sorted(m.params["lr"] for m in kept) == [0.001, 0.003]


@pytest.mark.parametrize(
    ("grid", "options", "message"),
    [
        ({}, {}, "grid is empty; give at least one key with its values."),
        ({"lr": []}, {}, "grid key 'lr' has no values; give at least one."),
        ({"lr": [0.1, 0.1]}, {}, "grid key 'lr' lists the value 0.1 twice; remove one."),
        (
            {"lr": [0.1]},
            {"sample": 2},
            "sample must be between 1 and the 1 models of the grid; got 2.",
        ),
        (
            {"lr": [0.1]},
            {"sample": 0},
            "sample must be between 1 and the 1 models of the grid; got 0.",
        ),
        ({"lr": [0.1]}, {"invalid": "warn"}, "invalid must be 'raise' or 'skip'; got 'warn'."),
        ({"lr": [float("nan")]}, {}, "configuration values must be plain JSON"),
        ({"lr": [object()]}, {}, "configuration values must be plain JSON"),
    ],
)
def test_bad_grids(grid: dict[str, Any], options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as error:
        expand_grid(grid, **options)
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)
