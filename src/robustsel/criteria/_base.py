"""The selection-criterion interface: given qualities, say which models stay."""

from __future__ import annotations

import abc
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from robustsel.measures import Qualities, check_measure, measure_direction, robustness
from robustsel.types import Direction


@dataclass(frozen=True)
class Elimination:
    """One decision of a selection criterion over the alive models.

    Attributes
    ----------
    keep : ndarray of bool, shape (n_models,)
        True for the models that stay in the selection. At least one is True.
    robustness : ndarray of float, shape (n_models,)
        The criterion's robustness measure of each model.
    best : int
        Row of the best model by that measure (the reference model of the
        statistical criteria).
    pvalue : ndarray of float or None
        Per model p-value of the test against the reference (NaN for the
        reference itself); None for criteria that run no test.
    selected : int or None
        Row of the model to select now, which ends the selection after this step
        (a stopping rule: the kept models are practically equivalent); the row
        must be kept. None, the default, lets the selection go on.
    """

    keep: npt.NDArray[np.bool_]
    robustness: Qualities
    best: int
    pvalue: Qualities | None = None
    selected: int | None = None


class SelectionCriterion(abc.ABC):
    """Decides, after the warm-up, which alive models are removed.

    A criterion is pure: it sees the qualities of the alive models, one row per
    model and one column per instance trained so far, and answers with an
    :class:`Elimination`. It never trains anything.
    """

    #: Registry name used by configs and the command line.
    name: str = ""
    #: Fewest instances per model the criterion needs to decide.
    min_instances: int = 1
    #: Warm-up k used when none is given (at least ``min_instances``).
    default_warmup: int = 2

    def __init__(self, *, measure: str = "mean") -> None:
        self.measure = check_measure(measure)

    @abc.abstractmethod
    def eliminate(self, qualities: Qualities, *, direction: Direction, step: int) -> Elimination:
        """Decide which models stay.

        Parameters
        ----------
        qualities : ndarray, shape (n_models, n_instances)
            Qualities of the alive models; ``-inf``/``+inf`` at the worst end of
            ``direction`` for a diverged instance, never NaN.
        direction : {"minimize", "maximize"}
            Direction of the instance quality.
        step : int
            The selection step s (instances per model so far).
        """

    def rank_values(self, qualities: Qualities, *, direction: Direction) -> tuple[Qualities, int]:
        """The criterion's measure per model and the row of the best model."""
        values = robustness(qualities, self.measure, direction=direction)
        return values, best_row(values, measure_direction(self.measure, direction))

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({params})"


def best_row(values: Qualities, direction: Direction) -> int:
    """Row of the best value (first one on ties); NaN counts as worst."""
    oriented = np.where(np.isnan(values), np.inf, values if direction == "minimize" else -values)
    return int(np.argmin(oriented))


def check_alpha(alpha: float) -> float:
    """Return ``alpha`` if it lies in (0, 1), else raise ``ValueError``."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1); got {alpha}.")
    return float(alpha)
