"""The reference and the floor: exhaustive grid search and one random model."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from peers._common import Outcome, oriented


def exhaustive(qualities: npt.NDArray[np.float64], *, direction: str = "maximize") -> Outcome:
    """Grid search: every instance of every model; the best mean is selected.

    Examples
    --------
    >>> exhaustive(np.array([[0.8, 0.9], [0.9, 0.95]])).selected
    1
    """
    means = oriented(qualities, direction).mean(axis=1)
    return Outcome(selected=int(np.argmax(means)), trained=np.ones(qualities.shape, dtype=bool))


def random_model(qualities: npt.NDArray[np.float64], *, seed: int) -> Outcome:
    """One model drawn at random, trained with all its instances (the floor).

    Examples
    --------
    >>> outcome = random_model(np.zeros((5, 3)), seed=0)
    >>> int(outcome.trained.sum())
    3
    """
    row = int(np.random.default_rng(seed).integers(len(qualities)))
    trained = np.zeros(qualities.shape, dtype=bool)
    trained[row] = True
    return Outcome(selected=row, trained=trained)
