"""What a report shows: one neutral record of a finished selection.

:class:`ReportData` holds everything the figures and the HTML page need, whatever
produced the selection: a replay over a recorded table
(:meth:`ReportData.from_replay`) or a live run's engine
(:meth:`ReportData.from_engine`). Live-run stores build one with
:meth:`ReportData.from_engine` after rebuilding the engine, or with the
constructor directly.

References
----------
A. Boldyrev, F. Ratnikov, A. Shevelev, "Approach to Finding a Robust Deep Learning
Model", IEEE Access (2025), doi:10.1109/ACCESS.2025.3578926.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from robustsel.cost import Cost
from robustsel.engine import StepDecision
from robustsel.measures import Qualities, check_direction, robustness
from robustsel.replay import Exhaustive, worst_filled
from robustsel.table import RecordedResults
from robustsel.types import Direction

if TYPE_CHECKING:
    from robustsel.engine import SelectionEngine
    from robustsel.replay import ReplayResult


@dataclass(frozen=True)
class Uncertainty:
    """The selected model's quality distribution: what a physicist quotes.

    Attributes
    ----------
    model_id : str
        The model these numbers describe.
    n_instances : int
        Instances the numbers come from.
    mean, std, median, q1, q3, minimum, maximum : float
        Statistics of the instance qualities (``std`` with ``ddof=1``), from
        :func:`robustsel.measures.robustness`.
    ci_low, ci_high : float
        Bootstrap confidence interval of the mean (``scipy.stats.bootstrap``,
        BCa); NaN with fewer than two instances, a constant sample or a
        diverged instance.
    confidence_level : float
        Level of the interval.
    """

    model_id: str
    n_instances: int
    mean: float
    std: float
    median: float
    q1: float
    q3: float
    minimum: float
    maximum: float
    ci_low: float
    ci_high: float
    confidence_level: float

    @property
    def decimals(self) -> int:
        """Decimals that show the standard deviation with two significant digits
        (4 when it is zero or not finite); every number is quoted with them."""
        if not (math.isfinite(self.std) and self.std > 0):
            return 4
        return min(max(1 - math.floor(math.log10(self.std)), 0), 8)

    def formatted(self) -> dict[str, str]:
        """Every number as text with :attr:`decimals` decimals, keyed by attribute."""
        names = ("mean", "std", "median", "q1", "q3", "minimum", "maximum", "ci_low", "ci_high")
        return {name: f"{getattr(self, name):.{self.decimals}f}" for name in names}


@dataclass(frozen=True, eq=False)
class ReportData:
    """A finished selection, as the report shows it.

    Parameters
    ----------
    models : pandas.DataFrame
        One row per model, indexed by model id (str), hyperparameter columns (may
        have none). The row order is the order of ``qualities``.
    qualities : ndarray, shape (n_models, n_positions)
        Instance qualities in training order: column p holds each model's
        (p+1)-th trained instance; NaN where it was not trained; the worst
        infinity of ``direction`` for a diverged or failed instance.
    costs : ndarray, shape (n_models, n_positions), or None
        Training seconds of the same instances (NaN where unknown); None when no
        time is known.
    metric : str
        Name of the instance quality (``ValAccuracy``, ``rmse_e_over_e``, ...).
    direction : {"minimize", "maximize"}
        Whether a smaller or a larger quality is better.
    decisions : sequence of StepDecision
        The selection's decisions, in step order.
    n_models_per_step : sequence of int
        Models trained at each selection step (final instances excluded).
    selected_model_id : str
        The selected model.
    cost : Cost
        What the selection trained, against the exhaustive search.
    exhaustive : Exhaustive, optional
        The exhaustive search's answer, when every instance is known.
    base_model_id : str, optional
        A model to mark in the figures (the hand-tuned base model of the search
        space, such as the Benchopt ResNet-18 of the paper).
    title : str
        Title of the report.
    settings : Mapping[str, Any]
        Settings of the selection shown as they are (criterion, alpha, k, ...).

    Raises
    ------
    ValueError
        Shapes that do not match, unknown model ids or direction.

    Examples
    --------
    >>> from robustsel.criteria import Welch
    >>> from robustsel.replay import replay
    >>> from robustsel.testing import synthetic_results
    >>> table = synthetic_results([0.90, 0.85, 0.80], 0.01, 8)
    >>> result = replay(table, Welch(), n_final_instances=8)
    >>> data = ReportData.from_replay(result, table)
    >>> data.selected_model_id, data.n_trained.tolist()
    ('m0', [8, 2, 2])
    >>> data.uncertainty().formatted()["mean"]
    '0.9035'
    """

    models: pd.DataFrame
    qualities: Qualities
    costs: Qualities | None
    metric: str
    direction: Direction
    decisions: Sequence[StepDecision]
    n_models_per_step: Sequence[int]
    selected_model_id: str
    cost: Cost
    exhaustive: Exhaustive | None = None
    base_model_id: str | None = None
    title: str = "Robust model selection"
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_direction(self.direction)
        n_models = len(self.models)
        if self.qualities.ndim != 2 or self.qualities.shape[0] != n_models:
            raise ValueError(
                f"qualities must have shape ({n_models}, n_positions), one row per model; "
                f"got {self.qualities.shape}."
            )
        if self.costs is not None and self.costs.shape != self.qualities.shape:
            raise ValueError(
                f"costs must have the shape of qualities {self.qualities.shape}; "
                f"got {self.costs.shape}."
            )
        for name in ("selected_model_id", "base_model_id"):
            model_id = getattr(self, name)
            if model_id is not None and model_id not in self.models.index:
                raise ValueError(f"{name} must be one of the models; got {model_id!r}.")

    @classmethod
    def from_replay(
        cls,
        result: ReplayResult,
        table: RecordedResults,
        *,
        base_model_id: str | None = None,
        title: str | None = None,
    ) -> ReportData:
        """The report of a replay, with the table it replayed.

        Parameters
        ----------
        result : ReplayResult
            The replay (see :func:`robustsel.replay.replay`).
        table : RecordedResults
            The table the replay ran over (same models, same instances).
        base_model_id : str, optional
            A model to mark in the figures.
        title : str, optional
            Title of the report; default names the criterion and the models.

        Raises
        ------
        ValueError
            A table with other models or instances than the replay's.
        """
        _check_table(result, table)
        counts = _instances_trained(result, table.model_ids)
        positions = [table.instance_labels.index(label) for label in result.instance_order]
        trained = np.arange(len(positions)) < counts[:, None]
        qualities = worst_filled(table.qualities[:, positions], result.direction)
        costs = (
            None if table.costs is None else np.where(trained, table.costs[:, positions], np.nan)
        )
        criterion = result.criterion
        settings = {
            "criterion": criterion.name,
            "measure": criterion.measure,
            **{
                k: getattr(criterion, k)
                for k in ("alpha", "fraction", "factor", "screen_fraction", "margin")
                if hasattr(criterion, k)
            },
            "warm-up instances k": result.n_warmup_instances,
            "instance order": ", ".join(map(str, result.instance_order)),
        }
        return cls(
            models=table.models,
            qualities=np.where(trained, qualities, np.nan),
            costs=costs,
            metric=result.metric,
            direction=result.direction,
            decisions=tuple(result.decisions),
            n_models_per_step=tuple(result.n_models_per_step),
            selected_model_id=result.selected_model,
            cost=result.cost,
            exhaustive=result.exhaustive,
            base_model_id=base_model_id,
            title=title
            or f"{criterion.name} selection over {result.n_models} models ({result.metric})",
            settings=settings,
        )

    @classmethod
    def from_engine(
        cls,
        engine: SelectionEngine,
        models: pd.DataFrame,
        *,
        metric: str,
        cost: Cost | None = None,
        exhaustive: Exhaustive | None = None,
        base_model_id: str | None = None,
        title: str | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> ReportData:
        """The report of a live selection, from its finished engine.

        Parameters
        ----------
        engine : SelectionEngine
            The engine of the run, done (or rebuilt from the run's store).
        models : pandas.DataFrame
            The engine's models in the order given to it, indexed by model id,
            hyperparameter columns.
        metric : str
            Name of the instance quality.
        cost : Cost, optional
            Default: the instances the engine trained against every model times
            ``engine.n_instances``; the exhaustive time is unknown (NaN).
        exhaustive, base_model_id, title, settings
            As in :class:`ReportData`.

        Raises
        ------
        ValueError
            An engine that has selected no model yet, or ``models`` that do not
            match its rows.
        """
        if engine.selected_model_ is None:
            raise ValueError("the engine has selected no model yet; report a finished selection.")
        qualities = engine.qualities_
        costs = engine.costs_
        if cost is None:
            cost = Cost(
                instances_trained=engine.n_instances_trained_,
                exhaustive_instances=len(models) * engine.n_instances,
                time=float(np.nansum(costs)) if not np.isnan(costs).all() else math.nan,
                exhaustive_time=math.nan,
            )
        criterion = engine.criterion
        return cls(
            models=models,
            qualities=qualities,
            costs=None if np.isnan(costs).all() else costs,
            metric=metric,
            direction=engine.direction,
            decisions=tuple(engine.decisions_),
            n_models_per_step=tuple(engine.n_models_per_step_),
            selected_model_id=engine.selected_model_,
            cost=cost,
            exhaustive=exhaustive,
            base_model_id=base_model_id,
            title=title or f"{criterion.name} selection over {len(models)} models ({metric})",
            settings=dict(settings or {"criterion": criterion.name, "measure": criterion.measure}),
        )

    @property
    def model_ids(self) -> list[str]:
        """Model ids in row order."""
        return [str(m) for m in self.models.index]

    @property
    def n_trained(self) -> npt.NDArray[np.int64]:
        """Instances trained of every model, in row order."""
        return np.asarray((~np.isnan(self.qualities)).sum(axis=1), dtype=np.int64)

    @property
    def n_steps(self) -> int:
        """Steps of the run, final instances of the selected model included."""
        return int(self.n_trained.max())

    @property
    def removed_at(self) -> dict[str, int]:
        """The step at which each removed model left the selection."""
        return {m: d.step for d in self.decisions for m in d.removed}

    @property
    def remaining_models(self) -> list[str]:
        """Models never removed, in row order."""
        removed = self.removed_at
        return [m for m in self.model_ids if m not in removed]

    def instance_qualities(self, model_id: str) -> Qualities:
        """The trained instance qualities of one model, in training order."""
        row = self.qualities[self.model_ids.index(model_id)]
        return np.asarray(row[~np.isnan(row)], dtype=np.float64)

    def running(self, measure: str = "mean") -> Qualities:
        """A robustness measure of every model after each step.

        Returns
        -------
        ndarray, shape (n_models, n_steps)
            Column s-1 holds the measure over the first s instances; NaN where a
            model had fewer than s instances.
        """
        values = np.full((len(self.models), self.n_steps), np.nan)
        for s in range(1, self.n_steps + 1):
            values[:, s - 1] = robustness(self.qualities[:, :s], measure, direction=self.direction)
        return np.where(np.arange(1, self.n_steps + 1) <= self.n_trained[:, None], values, np.nan)

    def step_costs(self) -> Qualities:
        """Training seconds of each step (instances trained, when no time is known)."""
        trained = ~np.isnan(self.qualities[:, : self.n_steps])
        if self.costs is None:
            return np.asarray(trained.sum(axis=0), dtype=np.float64)
        return np.asarray(np.nansum(self.costs[:, : self.n_steps], axis=0), dtype=np.float64)

    def uncertainty(
        self, *, confidence_level: float = 0.95, n_resamples: int = 9999, seed: int = 0
    ) -> Uncertainty:
        """The selected model's statistics and a bootstrap interval of its mean.

        Parameters
        ----------
        confidence_level : float, default=0.95
            Level of the bootstrap interval, in (0, 1).
        n_resamples : int, default=9999
            Bootstrap resamples.
        seed : int, default=0
            Seed of the resampling; same seed, same interval.

        Raises
        ------
        ValueError
            A confidence level outside (0, 1).
        """
        if not 0 < confidence_level < 1:
            raise ValueError(f"confidence_level must be in (0, 1); got {confidence_level}.")
        values = self.instance_qualities(self.selected_model_id)
        stat = {
            name: float(robustness(values, name, direction=self.direction)[0])
            for name in ("mean", "std", "median", "q1", "q3", "min", "max")
        }
        low, high = _bootstrap_mean(values, confidence_level, n_resamples, seed)
        return Uncertainty(
            model_id=self.selected_model_id,
            n_instances=len(values),
            mean=stat["mean"],
            std=stat["std"],
            median=stat["median"],
            q1=stat["q1"],
            q3=stat["q3"],
            minimum=stat["min"],
            maximum=stat["max"],
            ci_low=low,
            ci_high=high,
            confidence_level=confidence_level,
        )

    def complete_table(self) -> RecordedResults | None:
        """The qualities as a recorded table when every instance of every model is
        known (an exhaustive run); None otherwise."""
        if np.isnan(self.qualities).any():
            return None
        return RecordedResults(
            metric=self.metric,
            models=self.models,
            qualities=self.qualities,
            costs=self.costs,
            instance_labels=tuple(range(1, self.qualities.shape[1] + 1)),
        )


def _bootstrap_mean(
    values: Qualities, confidence_level: float, n_resamples: int, seed: int
) -> tuple[float, float]:
    if len(values) < 2 or not np.isfinite(values).all() or np.ptp(values) == 0:
        return math.nan, math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        result = stats.bootstrap(
            (values,),
            np.mean,
            confidence_level=confidence_level,
            n_resamples=n_resamples,
            rng=np.random.default_rng(seed),
        )
    interval = result.confidence_interval
    return float(interval.low), float(interval.high)


def _check_table(result: ReplayResult, table: RecordedResults) -> None:
    if len(table.model_ids) != result.n_models or not set(result.remaining_models) <= set(
        table.model_ids
    ):
        raise ValueError(
            f"the table must hold the replay's {result.n_models} models; got "
            f"{len(table.model_ids)} models. Give the table and query the replay ran over."
        )
    missing = sorted(set(result.instance_order) - set(table.instance_labels))
    if missing:
        raise ValueError(f"the table lacks instances {missing} of the replay's instance order.")


def _instances_trained(result: ReplayResult, model_ids: list[str]) -> npt.NDArray[np.int64]:
    n_steps = len(result.n_models_per_step)
    counts = dict.fromkeys(model_ids, n_steps)
    counts.update({m: d.step for d in result.decisions for m in d.removed})
    others = sum(n for m, n in counts.items() if m != result.selected_model)
    counts[result.selected_model] = result.cost.instances_trained - others
    assert counts[result.selected_model] >= n_steps, "the replay's cost must cover its steps"
    return np.array([counts[m] for m in model_ids], dtype=np.int64)
