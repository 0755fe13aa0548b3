"""Statistical criteria: remove models significantly worse than the best one.

At each step after the warm-up the reference model is the best by the
criterion's measure (the mean by default). Every other model's sample of instance
qualities is tested against the reference's with a two-sided SciPy test, all
models at once along ``axis=-1``; a model is removed when ``p < alpha`` *and* it
is worse than the reference: by the measure for tests of location, by the
standard deviation for tests of width. This is the rule of the authors' CHEP 2026
talk; it reproduces their recorded selection paths step by step.

A model with a diverged instance (``-inf``/``+inf``) is removed whenever the
reference has none; its values enter the test as the worst finite quality seen.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

from robustsel.criteria._base import Elimination, SelectionCriterion, check_alpha
from robustsel.measures import Qualities, measure_direction, robustness
from robustsel.types import Direction

TestFunction = Callable[[Qualities, Qualities], Any]


class StatisticalTest(SelectionCriterion):
    """Base of the criteria that test every model against the reference model.

    Parameters
    ----------
    alpha : float, default=0.05
        Level of the two-sided test, in (0, 1).
    measure : str, default="mean"
        Robustness measure that picks the reference model (and, for tests of
        location, says which models are worse than it).

    Notes
    -----
    The test repeats at every step on a growing sample, so the rate at which a
    model as good as the reference is removed over a whole selection is larger
    than ``alpha``. Samples are small (a few instances per model) and need not be
    Gaussian: prefer the rank tests (``mannwhitney``, ``ks``, ``fligner``) when
    qualities have heavy tails.
    """

    min_instances = 2
    #: What the test compares: the location (mean) or the width (spread) of samples.
    compares: ClassVar[Literal["location", "width"]] = "location"

    def __init__(self, *, alpha: float = 0.05, measure: str = "mean") -> None:
        super().__init__(measure=measure)
        self.alpha = check_alpha(alpha)

    @staticmethod
    def _pvalue(reference: Qualities, qualities: Qualities) -> npt.ArrayLike:
        raise NotImplementedError

    def eliminate(self, qualities: Qualities, *, direction: Direction, step: int) -> Elimination:
        values, best = self.rank_values(qualities, direction=direction)
        diverged = np.asarray(np.isinf(qualities).any(axis=-1))
        sample = _fill_diverged(qualities, direction)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            pvalue = np.asarray(self._pvalue(sample[best], sample), dtype=np.float64)
        pvalue[best] = np.nan
        keep = ~((pvalue < self.alpha) & self._worse(qualities, values, best, direction))
        if not diverged[best]:
            keep &= ~diverged
        keep[best] = True
        return Elimination(keep=keep, robustness=values, best=best, pvalue=pvalue)

    def _worse(
        self, qualities: Qualities, values: Qualities, best: int, direction: Direction
    ) -> np.ndarray:
        if self.compares == "width":
            width = robustness(qualities, "std", direction=direction)
            return np.asarray(width > width[best])
        if measure_direction(self.measure, direction) == "minimize":
            return np.asarray(values > values[best])
        return np.asarray(values < values[best])


def _fill_diverged(qualities: Qualities, direction: Direction) -> Qualities:
    finite = qualities[np.isfinite(qualities)]
    if finite.size == len(qualities.ravel()):
        return qualities
    worst = (finite.max() if direction == "minimize" else finite.min()) if finite.size else 0.0
    return np.where(np.isinf(qualities), worst, qualities)


def _broadcast(reference: Qualities, qualities: Qualities) -> Qualities:
    return np.broadcast_to(reference, qualities.shape)


class Welch(StatisticalTest):
    """Welch's t-test (unequal variances) of each model's mean against the reference.

    Calls :func:`scipy.stats.ttest_ind` with ``equal_var=False``. Parametric: it
    assumes roughly Gaussian instance qualities.

    Examples
    --------
    >>> import numpy as np
    >>> q = np.random.default_rng(0).normal([[0.90], [0.899], [0.80]], 0.01, size=(3, 6))
    >>> Welch(alpha=0.05).eliminate(q, direction="maximize", step=6).keep
    array([ True,  True, False])
    """

    name = "welch"

    @staticmethod
    def _pvalue(reference: Qualities, qualities: Qualities) -> npt.ArrayLike:
        return stats.ttest_ind(
            reference, qualities, axis=-1, equal_var=False, alternative="two-sided"
        ).pvalue


class MannWhitney(StatisticalTest):
    """Mann-Whitney U test of location against the reference (non-parametric).

    Calls :func:`scipy.stats.mannwhitneyu`, two-sided.

    Examples
    --------
    >>> import numpy as np
    >>> q = np.random.default_rng(0).normal([[0.90], [0.80]], 0.01, size=(2, 6))
    >>> MannWhitney(alpha=0.05).eliminate(q, direction="maximize", step=6).keep
    array([ True, False])
    """

    name = "mannwhitney"

    @staticmethod
    def _pvalue(reference: Qualities, qualities: Qualities) -> npt.ArrayLike:
        return stats.mannwhitneyu(reference, qualities, axis=-1, alternative="two-sided").pvalue


class KolmogorovSmirnov(StatisticalTest):
    """Two-sample Kolmogorov-Smirnov test of the whole distribution (non-parametric).

    Calls :func:`scipy.stats.ks_2samp`, two-sided, exact for small samples. It
    reacts to differences in location and in width; a model is removed when the
    test rejects and its measure is worse than the reference's.

    Examples
    --------
    >>> import numpy as np
    >>> q = np.random.default_rng(0).normal([[0.90], [0.80]], 0.01, size=(2, 6))
    >>> KolmogorovSmirnov(alpha=0.05).eliminate(q, direction="maximize", step=6).keep
    array([ True, False])
    """

    name = "ks"

    @staticmethod
    def _pvalue(reference: Qualities, qualities: Qualities) -> npt.ArrayLike:
        return stats.ks_2samp(reference, qualities, axis=-1, alternative="two-sided").pvalue


class Bartlett(StatisticalTest):
    """Bartlett's test of equal variances against the reference (parametric).

    Calls :func:`scipy.stats.bartlett`. A model is removed when the test rejects
    and its standard deviation is larger than the reference's. Sensitive to
    departures from normality: see :class:`Levene` and :class:`Fligner`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> q = np.vstack([rng.normal(0.9, 0.001, 12), rng.normal(0.9, 0.05, 12)])
    >>> Bartlett(alpha=0.05).eliminate(q, direction="maximize", step=12).keep
    array([ True, False])
    """

    name = "bartlett"
    compares = "width"

    @staticmethod
    def _pvalue(reference: Qualities, qualities: Qualities) -> npt.ArrayLike:
        return stats.bartlett(_broadcast(reference, qualities), qualities, axis=-1).pvalue


class Levene(StatisticalTest):
    """Levene's test of equal spread (Brown-Forsythe form, centred on the median).

    Calls :func:`scipy.stats.levene` with ``center="median"``, robust to
    non-Gaussian samples. A model is removed when the test rejects and its
    standard deviation is larger than the reference's.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> q = np.vstack([rng.normal(0.9, 0.001, 12), rng.normal(0.9, 0.05, 12)])
    >>> Levene(alpha=0.05).eliminate(q, direction="maximize", step=12).keep
    array([ True, False])
    """

    name = "levene"
    compares = "width"

    @staticmethod
    def _pvalue(reference: Qualities, qualities: Qualities) -> npt.ArrayLike:
        return stats.levene(
            _broadcast(reference, qualities), qualities, axis=-1, center="median"
        ).pvalue


class Fligner(StatisticalTest):
    """Fligner-Killeen test of equal spread (non-parametric, rank based).

    Calls :func:`scipy.stats.fligner`. A model is removed when the test rejects
    and its standard deviation is larger than the reference's.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> q = np.vstack([rng.normal(0.9, 0.001, 12), rng.normal(0.9, 0.05, 12)])
    >>> Fligner(alpha=0.05).eliminate(q, direction="maximize", step=12).keep
    array([ True, False])
    """

    name = "fligner"
    compares = "width"

    @staticmethod
    def _pvalue(reference: Qualities, qualities: Qualities) -> npt.ArrayLike:
        return stats.fligner(_broadcast(reference, qualities), qualities, axis=-1).pvalue


class Wilcoxon(StatisticalTest):
    """Wilcoxon signed-rank test of the paired differences to the reference.

    Calls :func:`scipy.stats.wilcoxon`, two-sided. Valid only when instance i is
    the same draw (training sample, seeds) for every model, as in live robustsel
    runs (common random numbers); recorded tables that do not pair instances
    need an unpaired test (``welch``, ``mannwhitney``, ``ks``). Pairing removes
    the variation shared by all models of one instance, so it decides earlier.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> shared = rng.normal(0, 0.02, 8)
    >>> q = np.vstack([0.90 + shared, 0.895 + shared + rng.normal(0, 0.001, 8)])
    >>> Wilcoxon(alpha=0.05).eliminate(q, direction="maximize", step=8).keep
    array([ True, False])
    """

    name = "wilcoxon"

    @staticmethod
    def _pvalue(reference: Qualities, qualities: Qualities) -> npt.ArrayLike:
        return stats.wilcoxon(
            qualities, _broadcast(reference, qualities), axis=-1, alternative="two-sided"
        ).pvalue
