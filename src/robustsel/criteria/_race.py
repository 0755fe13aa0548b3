"""The race: screen on one instance, test with a pooled spread, stop when equivalent.

The default selection criterion of robustsel, built from what the benchmark on
the authors' recorded CIFAR-10 results measured (``docs/benchmarks.md``, section
"Peers on the authors' recorded results"):

1. **Screen** (step 1, one instance per model). One instance gives no spread of
   a model, so the step ranks: the best ``screen_fraction`` of the models by their
   first instance stay (at least ``min_screened``), as the first rung of
   successive halving does.
2. **Race** (steps 2 and on). The reference model is the best by mean quality.
   Every other model is tested against it with a one-sided two-sample t-test
   whose standard deviation is pooled across all alive models (a robust estimate:
   the median absolute deviation of every instance from its model's mean), so
   two or three instances per model already decide; a model is removed when it
   is significantly worse than the reference at level ``alpha``.
3. **Stop** (any step past 1). Once every alive model is practically equivalent
   to the reference, i.e. the one-sided ``1 - alpha`` upper confidence bound of
   Welch's t-test on the reference's mean minus the model's stays below
   ``margin`` times the reference's mean (in absolute value), the selection
   ends. The reference is selected, unless some of the
   equivalent models have a significantly smaller spread (Levene's test at
   ``alpha``): then the one with the smallest standard deviation among those.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import numpy.typing as npt
from scipy import stats

from robustsel._experimental import experimental
from robustsel.criteria._base import Elimination, SelectionCriterion, check_alpha
from robustsel.criteria._statistical import _broadcast, _fill_diverged
from robustsel.measures import Qualities, robustness
from robustsel.types import Direction


@experimental("0.1.0")
class Race(SelectionCriterion):
    """Screen on one instance, race with a pooled t-test, stop on practical equivalence.

    Parameters
    ----------
    alpha : float, default=0.05
        Level of the one-sided pooled t-test that removes models, of the
        confidence bound of the stopping rule (``1 - alpha``) and of the Levene
        test that prefers a smaller spread; in (0, 1).
    screen_fraction : float, default=0.1
        Fraction of the models kept by the screen at step 1, in (0, 1]; models
        tied with the last one kept stay too. 1 turns the screen off.
    min_screened : int, default=5
        Fewest models the screen keeps (all of them when there are fewer); >= 1.
    margin : float, default=0.005
        Practical-equivalence margin, relative to the reference's mean quality
        (in absolute value): 0.005 is 0.45 accuracy points at 90% accuracy and
        0.00025 for a loss of 0.05, so one default fits any positive metric;
        >= 0. 0 turns the stopping rule off, as does a metric near 0.

    Raises
    ------
    ValueError
        A parameter out of range.

    See Also
    --------
    Welch : the authors' statistical-test criterion, two instances per model first.
    Halving : successive halving on a robustness measure (the paper's criterion).

    Notes
    -----
    Use it with a warm-up of one instance (``n_warmup_instances=1``, the
    ``replay`` command's default for this criterion): with a warm-up of two or
    more there is no screen and the race starts at the warm-up.

    The pooled standard deviation assumes that models differ in mean more than
    in spread; a model much noisier than the others is removed sooner than its
    own variance would justify, which suits the search for robust models. The
    t-test uses the degrees of freedom of the pair (``2 n - 2``), fewer than the
    pooled estimate has, so it errs on the side of keeping models. The tests
    repeat at every step, so the rate at which a model as good as the reference
    is removed over a whole selection is larger than ``alpha``; samples are small
    and need not be Gaussian. The screen decides on one instance per model: a
    model whose first instance collapsed leaves at step 1.

    A model with a diverged instance (``-inf``/``+inf``) leaves whenever the
    reference has none; in the tests its diverged values count as the worst
    finite quality seen.

    References
    ----------
    A. Boldyrev, F. Ratnikov, A. Shevelev, "Approach to Finding a Robust Deep
    Learning Model", IEEE Access (2025), doi:10.1109/ACCESS.2025.3578926,
    Algorithm 1 (this criterion sets the selection criterion and k = 1).

    Examples
    --------
    Twenty models, one instance each: the screen keeps the best five.

    >>> import numpy as np
    >>> rng = np.random.default_rng(2)
    >>> means = np.r_[0.90, 0.90, np.linspace(0.89, 0.80, 18)][:, None]
    >>> q = rng.normal(means, 0.003, size=(20, 8))
    >>> race = Race(alpha=0.05, margin=0.005)
    >>> np.flatnonzero(race.eliminate(q[:, :1], direction="maximize", step=1).keep)
    array([0, 1, 2, 3, 4])

    With two instances of those five the pooled t-test removes the three worse
    ones; with six instances the two left are practically equivalent (within
    0.5% of the reference's mean), so the selection stops and selects model 0:

    >>> race.eliminate(q[:5, :2], direction="maximize", step=2).keep
    array([ True,  True, False, False, False])
    >>> race.eliminate(q[:2, :6], direction="maximize", step=6).selected
    0
    """

    name = "race"
    min_instances = 1
    default_warmup = 1

    def __init__(
        self,
        *,
        alpha: float = 0.05,
        screen_fraction: float = 0.1,
        min_screened: int = 5,
        margin: float = 0.005,
    ) -> None:
        super().__init__(measure="mean")
        self.alpha = check_alpha(alpha)
        if not 0.0 < screen_fraction <= 1.0:
            raise ValueError(f"screen_fraction must be in (0, 1]; got {screen_fraction}.")
        if not (isinstance(min_screened, int) and min_screened >= 1):
            raise ValueError(f"min_screened must be an integer >= 1; got {min_screened!r}.")
        if not margin >= 0.0:
            raise ValueError(f"margin must be >= 0; got {margin}.")
        self.screen_fraction = float(screen_fraction)
        self.min_screened = min_screened
        self.margin = float(margin)

    def eliminate(self, qualities: Qualities, *, direction: Direction, step: int) -> Elimination:
        values, best = self.rank_values(qualities, direction=direction)
        oriented = _fill_diverged(qualities, direction)
        oriented = oriented if direction == "maximize" else -oriented
        if qualities.shape[-1] < 2:
            screened = screen(oriented[:, 0], self.screen_fraction, self.min_screened)
            return Elimination(keep=screened, robustness=values, best=best)
        diverged = np.asarray(np.isinf(qualities).any(axis=-1), dtype=np.bool_)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            pvalue = pooled_ttest_pvalue(oriented, best, pooled_std(oriented[~diverged]))
            keep = np.asarray(~(pvalue < self.alpha), dtype=np.bool_)
            if not diverged[best]:
                keep &= ~diverged
            keep[best] = True
            selected = self._stop(oriented, keep, best)
        pvalue[best] = np.nan
        return Elimination(
            keep=keep, robustness=values, best=best, pvalue=pvalue, selected=selected
        )

    def _stop(self, oriented: Qualities, keep: npt.NDArray[np.bool_], best: int) -> int | None:
        """The row to select when the kept models are practically equivalent, else None."""
        if self.margin == 0.0 or keep.sum() < 2:
            return None
        bound = equivalence_bound(oriented, best, self.alpha)
        bound[best] = -np.inf
        if not np.all(bound[keep] < self.margin * abs(oriented[best].mean())):
            return None
        return self._choose(oriented, keep, best)

    def _choose(self, oriented: Qualities, keep: npt.NDArray[np.bool_], best: int) -> int:
        """Among equivalent kept models: the reference, or a significantly narrower one."""
        spread = robustness(oriented, "std", direction="maximize")
        narrower = stats.levene(
            _broadcast(oriented[best], oriented), oriented, axis=-1, center="median"
        ).pvalue
        better = keep & (narrower < self.alpha) & (spread < spread[best])
        return int(np.argmin(np.where(better, spread, np.inf))) if better.any() else best


def screen(values: Qualities, fraction: float, min_kept: int) -> npt.NDArray[np.bool_]:
    """Keep the best ``fraction`` of ``values`` (larger is better), at least ``min_kept``.

    Values tied with the last one kept stay too.

    Examples
    --------
    >>> screen(np.array([0.3, 0.9, 0.5, 0.7]), 0.5, 1)
    array([False,  True, False,  True])
    """
    n_keep = min(len(values), max(min_kept, math.ceil(fraction * len(values))))
    threshold = np.sort(values)[::-1][n_keep - 1]
    return np.asarray(values >= threshold)


def pooled_std(oriented: Qualities) -> float:
    """Standard deviation of the instance quality pooled across models, robustly.

    The median absolute deviation (normal scale) of every instance from its
    model's mean, corrected for the mean's use of the same instances; NaN when
    no model is given.

    Examples
    --------
    >>> q = np.random.default_rng(0).normal([[0.9], [0.8], [0.7]], 0.01, size=(3, 200))
    >>> round(pooled_std(q), 3)
    0.01
    """
    if oriented.size == 0:
        return math.nan
    n = oriented.shape[-1]
    residuals = oriented - oriented.mean(axis=-1, keepdims=True)
    mad = stats.median_abs_deviation(residuals, axis=None, scale="normal")
    return float(mad * math.sqrt(n / (n - 1)))


def pooled_ttest_pvalue(oriented: Qualities, best: int, std: float) -> Qualities:
    """One-sided p-value that each model is worse than row ``best`` (pooled ``std``).

    Calls :func:`scipy.stats.ttest_ind_from_stats` with the pooled standard
    deviation for both samples, ``alternative="greater"``.

    Examples
    --------
    >>> q = np.array([[0.90, 0.91], [0.85, 0.86], [0.90, 0.89]])
    >>> pooled_ttest_pvalue(q, 0, 0.005).round(3)
    array([0.5  , 0.005, 0.092])
    """
    n = oriented.shape[-1]
    means = oriented.mean(axis=-1)
    result = stats.ttest_ind_from_stats(
        means[best], std, n, means, std, n, equal_var=True, alternative="greater"
    )
    return np.asarray(result.pvalue, dtype=np.float64)


def equivalence_bound(oriented: Qualities, best: int, alpha: float) -> Qualities:
    """Upper ``1 - alpha`` confidence bound of row ``best``'s mean minus each row's.

    From Welch's t-test (:func:`scipy.stats.ttest_ind`, ``equal_var=False``,
    ``alternative="less"``); NaN where the test is undefined (no spread).

    Examples
    --------
    >>> q = np.random.default_rng(0).normal([[0.90], [0.895]], 0.002, size=(2, 8))
    >>> equivalence_bound(q, 0, 0.05).round(4)
    array([0.001 , 0.0087])
    """
    result = stats.ttest_ind(
        _broadcast(oriented[best], oriented),
        oriented,
        axis=-1,
        equal_var=False,
        alternative="less",
    )
    return np.asarray(result.confidence_interval(1.0 - alpha).high, dtype=np.float64)
