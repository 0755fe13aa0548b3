"""What every peer returns: the model it selected and the instances it trained."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Outcome:
    """One selection over a recorded table.

    Attributes
    ----------
    selected : int
        Row of the selected model in the table.
    trained : ndarray of bool, shape (n_models, n_instances)
        The instances the method trained (table columns); their recorded
        training times are its cost.
    """

    selected: int
    trained: npt.NDArray[np.bool_]


def oriented(qualities: npt.NDArray[np.float64], direction: str) -> npt.NDArray[np.float64]:
    """Qualities with larger better; missing or non-finite values at ``-inf``."""
    values = qualities if direction == "maximize" else -qualities
    return np.where(np.isfinite(values), values, -np.inf)
