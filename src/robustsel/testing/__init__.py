"""Helpers for tests and benchmarks: generated tables whose truth is known."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from robustsel.table import RecordedResults


def synthetic_results(
    means: Sequence[float] | npt.NDArray[np.float64],
    spreads: float | Sequence[float] | npt.NDArray[np.float64],
    n_instances: int,
    *,
    seed: int = 0,
    metric: str = "ValAccuracy",
    seconds: float | Sequence[float] | npt.NDArray[np.float64] = 1.0,
    collapse_rate: float = 0.0,
    collapse_value: float = 0.1,
) -> RecordedResults:
    """A recorded table of Gaussian instance qualities with set means and spreads.

    Parameters
    ----------
    means, spreads : array_like
        True mean and standard deviation of each model's instance quality.
    n_instances : int
        Instances per model.
    seed : int
        Seed of the draws.
    metric : str
        Name of the quality.
    seconds : float or array_like
        Training seconds of each model's instances.
    collapse_rate : float
        Probability that an instance collapses to ``collapse_value`` (a training
        run that failed to learn).

    Examples
    --------
    >>> synthetic_results([0.9, 0.8], 0.01, 3).qualities.shape
    (2, 3)
    """
    rng = np.random.default_rng(seed)
    mu = np.asarray(means, dtype=np.float64)
    sigma = np.broadcast_to(np.asarray(spreads, dtype=np.float64), mu.shape)
    qualities = rng.normal(mu[:, None], sigma[:, None], size=(len(mu), n_instances))
    collapsed = rng.random(qualities.shape) < collapse_rate
    qualities = np.where(collapsed, collapse_value, qualities)
    costs = np.broadcast_to(np.asarray(seconds, dtype=np.float64), mu.shape)
    ids = pd.Index([f"m{i}" for i in range(len(mu))], name="model")
    models = pd.DataFrame({"true_mean": mu, "true_spread": sigma}, index=ids)
    return RecordedResults(
        metric=metric,
        models=models,
        qualities=qualities,
        costs=np.repeat(costs[:, None], n_instances, axis=1),
        instance_labels=tuple(range(1, n_instances + 1)),
    )
