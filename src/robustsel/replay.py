"""Replay a selection over recorded results: study selection rules without training.

The engine asks for instances as in a live run; the replay answers from a
:class:`~robustsel.table.RecordedResults` table and charges each instance its
recorded training time. The outcome is compared with the exhaustive search over
the same table: its best model, and its *best set*, the models that the same
test at the same level does not find significantly worse than the best with all
instances.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from robustsel.cost import Cost, cost_of
from robustsel.criteria import SelectionCriterion, StatisticalTest, Welch
from robustsel.engine import SelectionEngine, StepDecision
from robustsel.measures import Qualities, check_direction, robustness
from robustsel.table import RecordedResults
from robustsel.types import Direction, InstanceResult


@dataclass(frozen=True)
class Exhaustive:
    """The exhaustive search's answer on a table: every instance of every model.

    Attributes
    ----------
    best_model : str
        The best model by the criterion's measure over all instances.
    best_set : tuple of str
        Models not significantly worse than ``best_model`` (same test, same level;
        Welch's test at ``alpha=0.05`` for criteria that run no test).
    means : dict of str to float
        Mean quality of every model over all its instances.
    """

    best_model: str
    best_set: tuple[str, ...]
    means: dict[str, float]


@dataclass(frozen=True)
class ReplayResult:
    """One selection replayed over a recorded table.

    Attributes
    ----------
    selected_model : str
        The model the selection chose.
    remaining_models : tuple of str
        Models still alive when the selection stopped.
    decisions : list of StepDecision
        Every step's decision.
    instance_order : tuple of int
        Instance labels (as the table numbers them) in the order trained.
    cost : Cost
        What the selection trained against the exhaustive search.
    exhaustive : Exhaustive or None
        The reference answer with every instance; None when the table does not
        hold every instance of every model.
    n_models_per_step : list of int
        Models trained at each step.
    history : dict of lists
        The engine's per-model, per-step history.
    n_final_instances : int
        Instances the selected model was to end with.
    """

    criterion: SelectionCriterion
    direction: Direction
    n_warmup_instances: int
    metric: str
    n_models: int
    selected_model: str
    remaining_models: tuple[str, ...]
    decisions: list[StepDecision]
    instance_order: tuple[int, ...]
    cost: Cost
    exhaustive: Exhaustive | None
    n_models_per_step: list[int]
    history: dict[str, list[Any]] = field(repr=False)
    n_final_instances: int = 0

    @property
    def in_best_set(self) -> bool | None:
        """Whether the selected model is in the exhaustive search's best set."""
        if self.exhaustive is None:
            return None
        return self.selected_model in self.exhaustive.best_set

    @property
    def regret(self) -> float | None:
        """How much worse the selected model's mean quality is than the exhaustive
        best's (in the quality's units; 0 when it is the best)."""
        if self.exhaustive is None:
            return None
        means = self.exhaustive.means
        gap = means[self.exhaustive.best_model] - means[self.selected_model]
        return gap if self.direction == "maximize" else -gap

    def to_dict(self) -> dict[str, Any]:
        """The replay as plain JSON-ready data (the ``--json`` output)."""
        return {
            "criterion": self.criterion.name,
            "measure": self.criterion.measure,
            "alpha": getattr(self.criterion, "alpha", None),
            "fraction": getattr(self.criterion, "fraction", None),
            "factor": getattr(self.criterion, "factor", None),
            **{
                k: getattr(self.criterion, k)
                for k in ("screen_fraction", "min_screened", "margin")
                if hasattr(self.criterion, k)
            },
            "warmup": self.n_warmup_instances,
            "final_instances": self.n_final_instances,
            "metric": self.metric,
            "direction": self.direction,
            "instance_order": list(self.instance_order),
            "n_models": self.n_models,
            "selected_model": self.selected_model,
            "remaining_models": list(self.remaining_models),
            "steps": [
                {
                    "step": d.step,
                    "n_instances_used": d.step,
                    "n_models_before": len(d.models_before),
                    "kept_models": list(d.kept),
                    "removed_models": list(d.removed),
                    "best_model": d.reference_model_id,
                    "cumulative_cost": d.cumulative_cost,
                }
                for d in self.decisions
            ],
            "cost": self.cost.to_dict(),
            "exhaustive": None
            if self.exhaustive is None
            else {
                "best_model": self.exhaustive.best_model,
                "best_set": list(self.exhaustive.best_set),
            },
            "in_best_set": self.in_best_set,
            "regret": self.regret,
        }


@dataclass(frozen=True)
class RepeatedReplay:
    """Replays of one rule over many random instance orders.

    Attributes
    ----------
    repeats : list of dict
        One entry per order: ``order_seed, selected_model, in_best_set,
        cost_fraction, regret``.
    """

    repeats: list[dict[str, Any]]

    @property
    def summary(self) -> dict[str, float]:
        """``hit_rate``, ``mean_cost_fraction``, ``mean_regret`` and ``max_regret``."""
        hits = [r["in_best_set"] for r in self.repeats]
        fractions = [r["cost_fraction"] for r in self.repeats]
        regrets = [r["regret"] for r in self.repeats]
        return {
            "hit_rate": float(np.mean(hits)),
            "mean_cost_fraction": float(np.mean(fractions)),
            "mean_regret": float(np.mean(regrets)),
            "max_regret": float(np.max(regrets)),
        }


def replay(
    results: RecordedResults,
    criterion: SelectionCriterion,
    *,
    direction: Direction = "maximize",
    n_warmup_instances: int = 2,
    instance_order: Sequence[int] | None = None,
    n_final_instances: int = 0,
    exhaustive: Exhaustive | None = None,
) -> ReplayResult:
    """Run a selection over a recorded table.

    Parameters
    ----------
    results : RecordedResults
        The recorded instances (see :func:`robustsel.table.read_results`).
    criterion : SelectionCriterion
        The selection criterion.
    direction : {"maximize", "minimize"}, default="maximize"
        Direction of the table's metric.
    n_warmup_instances : int, default=2
        k in Algorithm 1.
    instance_order : sequence of int, optional
        Instance *labels* of the table (1..n for the wide layout) in the order to
        train them: a permutation of all of them. Default: table order.
    n_final_instances : int, default=0
        Instances the selected model ends with (at most the table's).
    exhaustive : Exhaustive, optional
        The exhaustive answer, when already computed (see :func:`exhaustive_search`).

    Raises
    ------
    ValueError
        An order that is not a permutation of the instance labels, engine
        arguments out of range, or the selection needs an instance the table
        does not hold (replay an exhaustive run's table, or the same rule).

    Examples
    --------
    >>> from robustsel.criteria import Welch
    >>> from robustsel.testing import synthetic_results
    >>> table = synthetic_results(means=[0.90, 0.85, 0.80], spreads=0.01, n_instances=10)
    >>> replay(table, Welch(alpha=0.05)).selected_model
    'm0'
    """
    check_direction(direction)
    positions = _positions(results, instance_order)
    engine = SelectionEngine(
        results.model_ids,
        criterion,
        n_instances=results.n_instances,
        n_warmup_instances=n_warmup_instances,
        direction=direction,
        n_final_instances=n_final_instances,
        instance_order=positions,
    )
    rows = {m: r for r, m in enumerate(results.model_ids)}
    while not engine.done:
        engine.tell(
            _recorded(results, rows[i.model_id], i.model_id, i.instance_index) for i in engine.ask()
        )
    trained = np.zeros(results.qualities.shape, dtype=bool)
    trained[:, positions] = ~np.isnan(engine.qualities_)
    assert engine.selected_model_ is not None
    return ReplayResult(
        criterion=criterion,
        direction=direction,
        n_warmup_instances=n_warmup_instances,
        metric=results.metric,
        n_models=len(rows),
        selected_model=engine.selected_model_,
        remaining_models=tuple(engine.alive_models_),
        decisions=engine.decisions_,
        instance_order=tuple(results.instance_labels[p] for p in positions),
        cost=cost_of(trained, results.costs),
        exhaustive=exhaustive or _exhaustive_if_complete(results, criterion, direction),
        n_models_per_step=engine.n_models_per_step_,
        history=engine.history_,
        n_final_instances=n_final_instances,
    )


def replay_repeats(
    results: RecordedResults,
    criterion: SelectionCriterion,
    *,
    order_seeds: Sequence[int],
    direction: Direction = "maximize",
    n_warmup_instances: int = 2,
    n_final_instances: int = 0,
) -> RepeatedReplay:
    """Replay one rule over random instance orders, one per seed.

    The order of seed ``s`` is :func:`random_order` ``(n_instances, s)``; the
    exhaustive answer is computed once.

    Raises
    ------
    ValueError
        The table does not hold every instance of every model.
    """
    exhaustive = exhaustive_search(results, criterion, direction=direction)
    repeats = []
    for seed in order_seeds:
        order = random_order(results, seed)
        run = replay(
            results,
            criterion,
            direction=direction,
            n_warmup_instances=n_warmup_instances,
            instance_order=order,
            n_final_instances=n_final_instances,
            exhaustive=exhaustive,
        )
        repeats.append(
            {
                "order_seed": int(seed),
                "selected_model": run.selected_model,
                "in_best_set": run.in_best_set,
                "cost_fraction": run.cost.fraction,
                "regret": run.regret,
            }
        )
    return RepeatedReplay(repeats)


def random_order(results: RecordedResults, seed: int) -> list[int]:
    """A random permutation of the table's instance labels; same seed, same order."""
    permutation = np.random.default_rng(seed).permutation(results.n_instances)
    return [results.instance_labels[p] for p in permutation]


def exhaustive_search(
    results: RecordedResults, criterion: SelectionCriterion, *, direction: Direction
) -> Exhaustive:
    """The best model and best set with every instance of every model.

    The best set uses ``criterion`` when it is a statistical test, else Welch's
    test at ``alpha=0.05`` with the criterion's measure picking the best model.

    Raises
    ------
    ValueError
        The table does not hold every instance of every model.
    """
    if not results.is_complete:
        raise ValueError(
            "the table does not hold every instance of every model, so there is no exhaustive "
            "answer to compare with; export an --exhaustive run for that."
        )
    judge = (
        criterion
        if isinstance(criterion, StatisticalTest)
        else Welch(alpha=0.05, measure=criterion.measure)
    )
    qualities = worst_filled(results.qualities, direction)
    elimination = judge.eliminate(qualities, direction=direction, step=results.n_instances)
    ids = np.array(results.model_ids, dtype=object)
    means = robustness(qualities, "mean", direction=direction)
    return Exhaustive(
        best_model=str(ids[elimination.best]),
        best_set=tuple(str(m) for m in ids[elimination.keep]),
        means=dict(zip(results.model_ids, means.tolist(), strict=True)),
    )


def _recorded(results: RecordedResults, row: int, model_id: str, position: int) -> InstanceResult:
    if results.recorded is not None and not results.recorded[row, position]:
        raise ValueError(
            f"the table has no instance {results.instance_labels[position]} of model {model_id}, "
            "which this selection needs; replay a table with every instance (an --exhaustive run)."
        )
    costs = results.costs
    return InstanceResult(
        model_id,
        position,
        float(results.qualities[row, position]),
        math.nan if costs is None else float(costs[row, position]),
    )


def _exhaustive_if_complete(
    results: RecordedResults, criterion: SelectionCriterion, direction: Direction
) -> Exhaustive | None:
    if not results.is_complete:
        return None
    return exhaustive_search(results, criterion, direction=direction)


def worst_filled(qualities: Qualities, direction: Direction) -> Qualities:
    """Qualities with every missing or non-finite value at the worst infinity."""
    worst = -np.inf if direction == "maximize" else np.inf
    return np.where(np.isfinite(qualities), qualities, worst)


def _positions(results: RecordedResults, order: Sequence[int] | None) -> list[int]:
    labels = results.instance_labels
    if order is None:
        return list(range(len(labels)))
    if sorted(order) != sorted(labels):
        raise ValueError(
            f"instance order must be a permutation of the instance numbers "
            f"{min(labels)}..{max(labels)}; got {','.join(map(str, order))}."
        )
    index = {label: p for p, label in enumerate(labels)}
    return [index[label] for label in order]
