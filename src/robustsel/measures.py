"""Robustness measures: statistics of a model's instance qualities.

Each measure reduces a ``(n_models, n_instances)`` array of qualities along the
last axis. NaN marks an instance that is not there (not trained yet) and is
ignored; ``-inf``/``+inf`` marks a diverged instance at the worst end of the
metric's direction and is counted as the worst value (a width measure of a row
with a diverged instance is ``+inf``).

References
----------
A. Boldyrev, F. Ratnikov, A. Shevelev, "Approach to Finding a Robust Deep Learning
Model", IEEE Access (2025), figure "model selection criterion".
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

from robustsel.types import DIRECTIONS, Direction

Qualities = npt.NDArray[np.float64]
MeasureName = Literal["mean", "median", "q1", "q3", "q3_iqr", "min", "max", "std", "iqr"]

LEVEL_MEASURES: tuple[MeasureName, ...] = ("mean", "median", "q1", "q3", "q3_iqr", "min", "max")
WIDTH_MEASURES: tuple[MeasureName, ...] = ("std", "iqr")
MEASURES: tuple[MeasureName, ...] = LEVEL_MEASURES + WIDTH_MEASURES


def _iqr(q: Qualities) -> Qualities:
    return np.asarray(stats.iqr(q, axis=-1, nan_policy="omit"), dtype=np.float64)


def _q3_iqr(q: Qualities, direction: Direction) -> Qualities:
    if direction == "minimize":
        return np.nanquantile(q, 0.75, axis=-1) + _iqr(q)
    return np.nanquantile(q, 0.25, axis=-1) - _iqr(q)


_LEVEL: dict[str, Callable[[Qualities], Qualities]] = {
    "mean": lambda q: np.nanmean(q, axis=-1),
    "median": lambda q: np.nanmedian(q, axis=-1),
    "q1": lambda q: np.nanquantile(q, 0.25, axis=-1),
    "q3": lambda q: np.nanquantile(q, 0.75, axis=-1),
    "min": lambda q: np.nanmin(q, axis=-1),
    "max": lambda q: np.nanmax(q, axis=-1),
}
_WIDTH: dict[str, Callable[[Qualities], Qualities]] = {
    "std": lambda q: np.nanstd(q, axis=-1, ddof=1),
    "iqr": _iqr,
}


def check_measure(measure: str) -> MeasureName:
    """Return ``measure`` if it names a robustness measure, else raise ``ValueError``."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}; got {measure!r}.")
    return measure


def check_direction(direction: str) -> Direction:
    """Return ``direction`` if it is 'minimize' or 'maximize', else raise ``ValueError``."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'minimize' or 'maximize'; got {direction!r}.")
    return direction


def measure_direction(measure: str, direction: Direction) -> Direction:
    """Whether a smaller or a larger value of ``measure`` is better.

    Width measures (``std``, ``iqr``) are always minimized; the others follow the
    direction of the instance quality.

    Examples
    --------
    >>> measure_direction("mean", "maximize"), measure_direction("std", "maximize")
    ('maximize', 'minimize')
    """
    return "minimize" if check_measure(measure) in WIDTH_MEASURES else direction


def robustness(
    qualities: npt.ArrayLike, measure: str = "mean", *, direction: Direction = "minimize"
) -> Qualities:
    """Compute a robustness measure of every model from its instance qualities.

    Parameters
    ----------
    qualities : array_like, shape (n_models, n_instances) or (n_instances,)
        Instance qualities; NaN where an instance is missing, ``-inf``/``+inf`` where
        it diverged (the worst end of ``direction``).
    measure : {"mean", "median", "q1", "q3", "q3_iqr", "min", "max", "std", "iqr"}
        ``q3_iqr`` is the pessimistic tail: Q3 + IQR for a loss (``direction=
        "minimize"``), Q1 - IQR for a metric to maximize. ``std`` uses ``ddof=1``.
    direction : {"minimize", "maximize"}
        Direction of the instance quality.

    Returns
    -------
    ndarray, shape (n_models,)
        The measure per model; NaN for a model without any instance; the worst
        value (``+inf`` for width measures) for a model with a diverged instance
        whose measure is otherwise undefined.

    Raises
    ------
    ValueError
        Unknown measure or direction.

    Examples
    --------
    >>> import numpy as np
    >>> q = np.random.default_rng(0).normal([[0.9], [0.8]], 0.01, size=(2, 5))
    >>> robustness(q, "mean", direction="maximize").round(3)
    array([0.9  , 0.801])
    >>> robustness([[1.0, 2.0, np.nan], [1.0, -np.inf, 3.0]], "std", direction="maximize")
    array([0.70710678,        inf])
    """
    check_measure(measure)
    check_direction(direction)
    q = np.atleast_2d(np.asarray(qualities, dtype=np.float64))
    diverged = np.asarray(np.isinf(q).any(axis=-1))
    empty = np.asarray(np.isnan(q).all(axis=-1))
    safe = np.where(empty[:, None], 0.0, q)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if measure in _WIDTH:
            value = _WIDTH[measure](safe)
            value = np.where(diverged, np.inf, value)
        elif measure == "q3_iqr":
            value = _q3_iqr(safe, direction)
        else:
            value = _LEVEL[measure](safe)
    worst = np.inf if measure_direction(measure, direction) == "minimize" else -np.inf
    value = np.where(diverged & np.isnan(value), worst, value)
    return np.where(empty, np.nan, value)
