"""The selection engine: Algorithm 1 of Boldyrev et al. (2025), ask/tell style.

The engine holds the alive models and their instance qualities and decides, step
by step, which models leave. It never trains, reads a file or looks at a clock:
:meth:`SelectionEngine.ask` says which instances to train next,
:meth:`SelectionEngine.tell` takes their results and, once a step is complete,
applies the selection criterion.

Step s trains instance s (in the instance order) of every alive model. From the
step at which every model has ``n_warmup_instances`` (k) instances on, the
criterion removes models after each step. The selection stops when one model is
left, when the criterion selects one (a stopping rule, ``Elimination.selected``)
or when ``n_instances`` steps are done; the selected model (the survivor, the
criterion's choice, or the best of the survivors by the criterion's measure) then
receives instances until it has ``n_final_instances``, for an estimate of its
quality distribution.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from robustsel.criteria import SelectionCriterion
from robustsel.measures import Qualities, check_direction
from robustsel.types import Direction, Instance, InstanceResult

Phase = Literal["selection", "final", "done"]


@dataclass(frozen=True)
class StepDecision:
    """What the criterion decided after one selection step.

    Attributes
    ----------
    step : int
        The step s: instances per alive model after it.
    models_before : tuple of str
        Models alive before the decision, in engine order.
    kept, removed : tuple of str
        The models that stay and those that leave.
    reference_model_id : str
        The best model by the criterion's measure at this step.
    robustness : Mapping[str, float]
        The criterion's measure of each model of ``models_before``.
    pvalue : Mapping[str, float] or None
        Test p-value of each model against the reference (statistical criteria).
    step_cost : float
        Training seconds of the instances trained at this step (and at the warm-up
        steps before it, for the first decision).
    cumulative_cost : float
        Training seconds of every instance trained so far.
    selected_model_id : str or None
        The model the criterion selected at this step, ending the selection
        early; None when the selection goes on (or ends for another reason).
    """

    step: int
    models_before: tuple[str, ...]
    kept: tuple[str, ...]
    removed: tuple[str, ...]
    reference_model_id: str
    robustness: Mapping[str, float]
    pvalue: Mapping[str, float] | None
    step_cost: float
    cumulative_cost: float
    selected_model_id: str | None = None


class SelectionEngine:
    """Robust model selection over a fixed set of models (Algorithm 1).

    Parameters
    ----------
    model_ids : sequence of str
        The initial set of models M, unique ids.
    criterion : SelectionCriterion
        The selection criterion applied after each step past the warm-up.
    n_instances : int
        Most instances per model during the selection (steps).
    n_warmup_instances : int, default=2
        k in Algorithm 1: no model is removed before every model has k instances.
        At least ``criterion.min_instances``, at most ``n_instances``.
    direction : {"maximize", "minimize"}, default="maximize"
        Direction of the instance quality (accuracy: maximize; loss: minimize).
    n_final_instances : int, default=0
        Instances the selected model ends with; instances beyond those of the
        selection are asked for once it is chosen (the paper uses 100).
    instance_order : sequence of int, optional
        Instance indices in the order steps train them (default ``0, 1, ...``);
        must cover ``max(n_instances, n_final_instances)`` entries.

    Attributes
    ----------
    done : bool
        True once the selection and the final instances are complete.
    alive_models_ : list of str
        Models still in the selection.
    selected_model_ : str or None
        The selected model, once the selection has stopped.
    decisions_ : list of StepDecision
        Every decision so far.
    n_models_per_step_ : list of int
        Models trained at each selection step (the paper's "number of models
        trained per step").
    history_ : dict of lists
        One row per model per decision: ``step, model_id, n_instances, robustness,
        pvalue, eliminated, train_seconds`` (the seconds of that model's instance
        trained at the step), ready for ``pandas.DataFrame``.

    Raises
    ------
    ValueError
        Repeated or missing model ids, or counts out of range.

    References
    ----------
    A. Boldyrev, F. Ratnikov, A. Shevelev, "Approach to Finding a Robust Deep
    Learning Model", IEEE Access (2025), doi:10.1109/ACCESS.2025.3578926.

    Examples
    --------
    >>> import numpy as np
    >>> from robustsel.criteria import Halving
    >>> from robustsel.types import InstanceResult
    >>> rng = np.random.default_rng(0)
    >>> means = {"a": 0.90, "b": 0.80, "c": 0.85, "d": 0.70}
    >>> engine = SelectionEngine(list(means), Halving(), n_instances=5, n_warmup_instances=2)
    >>> while not engine.done:
    ...     batch = engine.ask()
    ...     engine.tell(
    ...         InstanceResult(i.model_id, i.instance_index, rng.normal(means[i.model_id], 0.01))
    ...         for i in batch
    ...     ) and None
    >>> engine.selected_model_, engine.n_models_per_step_
    ('a', [4, 4, 2])
    """

    def __init__(
        self,
        model_ids: Sequence[str],
        criterion: SelectionCriterion,
        *,
        n_instances: int,
        n_warmup_instances: int = 2,
        direction: Direction = "maximize",
        n_final_instances: int = 0,
        instance_order: Sequence[int] | None = None,
    ) -> None:
        self._ids = [str(m) for m in model_ids]
        self._rows = {m: r for r, m in enumerate(self._ids)}
        n_positions = max(n_instances, n_final_instances)
        order = list(range(n_positions)) if instance_order is None else list(instance_order)
        _check_arguments(
            self._ids, criterion, n_instances, n_warmup_instances, n_final_instances, order
        )
        self.criterion = criterion
        self.direction = check_direction(direction)
        self.n_instances = n_instances
        self.n_warmup_instances = n_warmup_instances
        self.n_final_instances = n_final_instances
        self.instance_order = order[:n_positions]
        self._position = {index: p for p, index in enumerate(self.instance_order)}
        self._worst = -math.inf if direction == "maximize" else math.inf
        self._qualities = np.full((len(self._ids), n_positions), np.nan)
        self._costs = np.full((len(self._ids), n_positions), np.nan)
        self._alive = np.ones(len(self._ids), dtype=bool)
        self._pending: set[tuple[int, int]] = set()
        self._step = 0
        self._cost_since_decision = 0.0
        self.cumulative_cost_ = 0.0
        self.phase: Phase = "selection"
        self.selected_model_: str | None = None
        self.decisions_: list[StepDecision] = []
        self.n_models_per_step_: list[int] = []
        self.history_: dict[str, list[object]] = {
            key: []
            for key in (
                "step",
                "model_id",
                "n_instances",
                "robustness",
                "pvalue",
                "eliminated",
                "train_seconds",
            )
        }
        if len(self._ids) == 1:
            self._select(0)

    @property
    def done(self) -> bool:
        """True once the selection and the final instances are complete."""
        return self.phase == "done"

    @property
    def step(self) -> int:
        """Selection steps completed (instances per alive model)."""
        return self._step

    @property
    def alive_models_(self) -> list[str]:
        """Models still in the selection, in the order given."""
        return [self._ids[r] for r in np.flatnonzero(self._alive)]

    @property
    def qualities_(self) -> Qualities:
        """Qualities told so far, ``(n_models, n_positions)`` in instance order.

        NaN where an instance was not trained; the worst infinity where it diverged.
        """
        return self._qualities.copy()

    @property
    def costs_(self) -> Qualities:
        """Training seconds of the instances told so far, NaN where unknown."""
        return self._costs.copy()

    @property
    def n_instances_trained_(self) -> int:
        """Instances told so far."""
        return int((~np.isnan(self._qualities)).sum())

    def ask(self) -> list[Instance]:
        """The instances to train next: the current step's that are not yet told.

        Asking twice without telling returns the same instances. Empty when done.
        """
        if not self._pending and not self.done:
            self._open_batch()
        return [
            Instance(self._ids[row], self.instance_order[pos]) for row, pos in sorted(self._pending)
        ]

    def tell(self, results: Iterable[InstanceResult]) -> StepDecision | None:
        """Record results of asked instances; decide once the step is complete.

        A result that is not ``ok`` or has a non-finite quality (a diverged or
        failed instance) counts as the worst possible quality.

        Returns
        -------
        StepDecision or None
            The decision, when these results completed a selection step past the
            warm-up; None otherwise.

        Raises
        ------
        ValueError
            A result for an instance that :meth:`ask` has not asked for, or one
            already told.
        """
        for result in results:
            self._record(result)
        if self._pending or self.done:
            return None
        if self.phase == "final":
            self.phase = "done"
            return None
        return self._finish_step()

    def _record(self, result: InstanceResult) -> None:
        key = (
            self._rows.get(result.model_id, -1),
            self._position.get(result.instance_index, -1),
        )
        if key not in self._pending:
            raise ValueError(
                f"instance {result.instance_index} of model {result.model_id!r} was not asked "
                "for or is already told; tell only what ask() returned."
            )
        self._pending.discard(key)
        self._qualities[key] = result.quality if result.is_valid else self._worst
        self._costs[key] = result.cost
        if not math.isnan(result.cost):
            self._cost_since_decision += result.cost
            self.cumulative_cost_ += result.cost

    def _open_batch(self) -> None:
        if self.phase == "selection":
            self._pending = {(int(r), self._step) for r in np.flatnonzero(self._alive)}
            self.n_models_per_step_.append(len(self._pending))
        else:
            row = self._rows[str(self.selected_model_)]
            have = int((~np.isnan(self._qualities[row])).sum())
            self._pending = {(row, pos) for pos in range(have, self.n_final_instances)}

    def _finish_step(self) -> StepDecision | None:
        self._step += 1
        if self._step < self.n_warmup_instances:
            return None
        rows = np.flatnonzero(self._alive)
        decision = self._decide(rows)
        alive = np.flatnonzero(self._alive)
        if decision.selected_model_id is not None:
            self._select(self._rows[decision.selected_model_id])
        elif len(alive) == 1:
            self._select(int(alive[0]))
        elif self._step == self.n_instances:
            self._select(self._rows[decision.reference_model_id])
        return decision

    def _decide(self, rows: np.ndarray) -> StepDecision:
        qualities = self._qualities[rows, : self._step]
        elimination = self.criterion.eliminate(qualities, direction=self.direction, step=self._step)
        keep = np.asarray(elimination.keep, dtype=bool)
        assert keep.any(), "a criterion must keep at least one model"
        selected = elimination.selected
        assert selected is None or keep[selected], "a criterion must keep the model it selects"
        self._alive[rows[~keep]] = False
        ids = [self._ids[r] for r in rows]
        pvalues = elimination.pvalue
        decision = StepDecision(
            step=self._step,
            models_before=tuple(ids),
            kept=tuple(m for m, k in zip(ids, keep, strict=True) if k),
            removed=tuple(m for m, k in zip(ids, keep, strict=True) if not k),
            reference_model_id=ids[elimination.best],
            robustness=dict(zip(ids, elimination.robustness.tolist(), strict=True)),
            pvalue=None if pvalues is None else dict(zip(ids, pvalues.tolist(), strict=True)),
            step_cost=self._cost_since_decision,
            cumulative_cost=self.cumulative_cost_,
            selected_model_id=None if selected is None else ids[selected],
        )
        self._cost_since_decision = 0.0
        self.decisions_.append(decision)
        self._extend_history(decision, rows, ~keep)
        return decision

    def _extend_history(
        self, decision: StepDecision, rows: np.ndarray, eliminated: np.ndarray
    ) -> None:
        n = len(rows)
        pvalue = decision.pvalue or {}
        self.history_["step"] += [decision.step] * n
        self.history_["model_id"] += list(decision.models_before)
        self.history_["n_instances"] += [decision.step] * n
        self.history_["robustness"] += list(decision.robustness.values())
        self.history_["pvalue"] += [pvalue.get(m, math.nan) for m in decision.models_before]
        self.history_["eliminated"] += eliminated.tolist()
        self.history_["train_seconds"] += self._costs[rows, self._step - 1].tolist()

    def _select(self, row: int) -> None:
        self.selected_model_ = self._ids[row]
        have = int((~np.isnan(self._qualities[row])).sum())
        self.phase = "final" if self.n_final_instances > have else "done"


def _check_arguments(
    ids: list[str],
    criterion: SelectionCriterion,
    n_instances: int,
    n_warmup_instances: int,
    n_final_instances: int,
    order: list[int],
) -> None:
    if not ids:
        raise ValueError("model_ids must name at least one model; got none.")
    if len(set(ids)) != len(ids):
        repeated = sorted({m for m in ids if ids.count(m) > 1})[:3]
        raise ValueError(f"model_ids must be unique; repeated: {', '.join(repeated)}.")
    if n_instances < 1:
        raise ValueError(f"n_instances must be >= 1; got {n_instances}.")
    low = criterion.min_instances
    if not low <= n_warmup_instances <= n_instances:
        raise ValueError(
            f"n_warmup_instances must be in [{low}, n_instances={n_instances}] for criterion "
            f"{criterion.name!r}; got {n_warmup_instances}."
        )
    if n_final_instances < 0:
        raise ValueError(f"n_final_instances must be >= 0; got {n_final_instances}.")
    needed = max(n_instances, n_final_instances)
    if len(order) < needed or len(set(order[:needed])) != needed or min(order) < 0:
        raise ValueError(
            f"instance_order must list at least {needed} distinct instance indices >= 0; "
            f"got {order[:needed]}."
        )
