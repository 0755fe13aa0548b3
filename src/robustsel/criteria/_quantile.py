"""Rank-based criteria: keep a fixed fraction of the models (successive halving)."""

from __future__ import annotations

import math

import numpy as np

from robustsel.criteria._base import Elimination, SelectionCriterion
from robustsel.measures import Qualities, measure_direction
from robustsel.types import Direction


class Quantile(SelectionCriterion):
    """Keep the best fraction of the models by a robustness measure.

    At every step after the warm-up the ``ceil(fraction * n)`` best models by
    ``measure`` stay; models tied with the last of them stay too, so ties never
    remove every model.

    Parameters
    ----------
    fraction : float, default=0.5
        Fraction q of the alive models kept at each step, in (0, 1).
    measure : str, default="mean"
        Robustness measure that ranks the models (see :mod:`robustsel.measures`).

    Raises
    ------
    ValueError
        ``fraction`` outside (0, 1) or an unknown measure.

    References
    ----------
    Boldyrev et al., "Approach to Finding a Robust Deep Learning Model", IEEE
    Access (2025), Algorithm 1: the selection criterion is the q-quantile of the
    robustness values.

    Examples
    --------
    >>> import numpy as np
    >>> q = np.random.default_rng(0).normal([[0.9], [0.8], [0.7], [0.6]], 0.01, size=(4, 3))
    >>> Quantile(fraction=0.25).eliminate(q, direction="maximize", step=3).keep
    array([ True, False, False, False])
    """

    name = "quantile"

    def __init__(self, *, fraction: float = 0.5, measure: str = "mean") -> None:
        super().__init__(measure=measure)
        if not 0.0 < fraction < 1.0:
            raise ValueError(f"fraction must be in (0, 1); got {fraction}.")
        self.fraction = float(fraction)

    def eliminate(self, qualities: Qualities, *, direction: Direction, step: int) -> Elimination:
        values, best = self.rank_values(qualities, direction=direction)
        oriented = values if measure_direction(self.measure, direction) == "minimize" else -values
        n_keep = max(1, math.ceil(self.fraction * len(values)))
        threshold = np.partition(oriented, n_keep - 1)[n_keep - 1]
        return Elimination(keep=oriented <= threshold, robustness=values, best=best)


class Halving(Quantile):
    """Successive halving on a robustness measure: keep the best ``1/factor``.

    The paper's experiments keep the better half of the models at each step
    (``factor=2``).

    Parameters
    ----------
    factor : float, default=2
        Elimination rate eta: the best ``ceil(n / factor)`` models stay; > 1.
    measure : str, default="mean"
        Robustness measure that ranks the models.

    Examples
    --------
    >>> import numpy as np
    >>> q = np.random.default_rng(0).normal([[0.1], [0.3], [0.2], [0.4]], 0.01, size=(4, 3))
    >>> Halving(measure="q3").eliminate(q, direction="minimize", step=3).keep
    array([ True, False,  True, False])
    """

    name = "halving"

    def __init__(self, *, factor: float = 2.0, measure: str = "mean") -> None:
        if not factor > 1.0:
            raise ValueError(f"factor must be > 1; got {factor}.")
        super().__init__(fraction=1.0 / factor, measure=measure)
        self.factor = float(factor)
