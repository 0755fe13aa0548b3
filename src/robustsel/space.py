"""Search spaces: a grid description expanded into models with stable ids.

A grid maps each configuration key to its alternatives (a list) or to one fixed
value (anything else). A list is always a list of alternatives, so a value that
is itself a list, such as the layer sizes ``[64, 32]``, is written inside one:
``dense: [[64, 32], [128]]``. Mappings and lists nested in a value are kept as
they are, which suits YAML grids.

A model's id is ``model_`` and the first 8 hex digits of the SHA-256 of its
configuration as canonical JSON (sorted keys, no spaces): the same configuration
gets the same id in every grid, run and machine.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Mapping
from typing import Any, Literal

import numpy as np

from robustsel.types import Model


def canonical_json(params: Mapping[str, Any]) -> str:
    """The configuration as JSON with sorted keys and no spaces.

    Raises
    ------
    ValueError
        When a value is not plain JSON (str, int, float, bool, None, list, dict).

    Examples
    --------
    >>> canonical_json({"lr": 0.001, "dense": [64, 32]})
    '{"dense":[64,32],"lr":0.001}'
    """
    try:
        return json.dumps(params, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"configuration values must be plain JSON (str, number, bool, list, dict); {error}."
        ) from None


def model_id(params: Mapping[str, Any]) -> str:
    """Stable id of a configuration: ``model_`` + 8 hex digits of its SHA-256.

    Examples
    --------
    >>> model_id({"a": 1, "b": [2, 3]}) == model_id({"b": [2, 3], "a": 1})
    True
    >>> model_id({"a": 1})
    'model_015abd7f'
    """
    return _id(canonical_json(params))


def expand_grid(
    grid: Mapping[str, Any],
    *,
    sample: int | None = None,
    seed: int = 0,
    check: Callable[[dict[str, Any]], None] | None = None,
    invalid: Literal["raise", "skip"] = "raise",
) -> list[Model]:
    """Expand a grid into its models: every combination of the keys' alternatives.

    Parameters
    ----------
    grid : mapping of str to list or value
        Each key's alternatives as a list, or one fixed value (see the module
        docstring for values that are lists themselves).
    sample : int or None, default=None
        Keep a random subset of this many models (drawn without replacement
        with ``seed``, returned in grid order); None keeps them all.
    seed : int, default=0
        Seed of the random subset.
    check : callable or None, default=None
        Called with each configuration; raises ``ValueError`` for one that is
        not a valid model (for instance
        :func:`robustsel.tasks.ecal.models.check_architecture`).
    invalid : {"raise", "skip"}, default="raise"
        What an invalid configuration does: raise (naming its id and
        configuration) or leave the grid; ``sample`` then draws from the rest.

    Returns
    -------
    list of Model
        In grid order: keys sorted by name, the last key's alternatives varying
        fastest, so the order does not depend on how the grid was written.

    Raises
    ------
    ValueError
        An empty grid or list of alternatives, a repeated alternative, a value
        that is not plain JSON, a sample size out of range, or an invalid
        configuration with ``invalid="raise"``.

    Examples
    --------
    >>> models = expand_grid({"lr": [0.001, 0.01], "dense": [[64, 32], [128]], "epochs": 20})
    >>> len(models)
    4
    >>> models[0].params
    {'dense': [64, 32], 'epochs': 20, 'lr': 0.001}
    >>> [m.model_id for m in expand_grid({"lr": [0.001, 0.01]}, sample=1, seed=3)]
    ['model_193adc69']
    """
    if invalid not in ("raise", "skip"):
        raise ValueError(f"invalid must be 'raise' or 'skip'; got {invalid!r}.")
    if not grid:
        raise ValueError("grid is empty; give at least one key with its values.")
    keys = sorted(grid)
    alternatives = [_alternatives(key, grid[key]) for key in keys]
    models = []
    for values in itertools.product(*alternatives):
        text = canonical_json(dict(zip(keys, values, strict=True)))
        model = Model(_id(text), json.loads(text))
        if check is not None and not _passes(check, model, invalid):
            continue
        models.append(model)
    if sample is None:
        return models
    if not 1 <= sample <= len(models):
        raise ValueError(
            f"sample must be between 1 and the {len(models)} models of the grid; got {sample}."
        )
    chosen = np.random.default_rng(seed).choice(len(models), size=sample, replace=False)
    return [models[i] for i in sorted(chosen)]


def _id(text: str) -> str:
    return f"model_{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def _alternatives(key: str, value: Any) -> list[Any]:
    options = list(value) if isinstance(value, list | tuple) else [value]
    if not options:
        raise ValueError(f"grid key {key!r} has no values; give at least one.")
    seen: set[str] = set()
    for option in options:
        text = canonical_json({key: option})
        if text in seen:
            raise ValueError(f"grid key {key!r} lists the value {option!r} twice; remove one.")
        seen.add(text)
    return options


def _passes(check: Callable[[dict[str, Any]], None], model: Model, invalid: str) -> bool:
    try:
        check(dict(model.params))
    except ValueError as error:
        if invalid == "skip":
            return False
        raise ValueError(
            f"model {model.model_id} {canonical_json(model.params)} is invalid: {error}"
        ) from None
    return True
