"""A live selection: config -> engine <-> executor -> store.

Data flows one way. The engine says which instances the next step needs; those
the store already holds (a resumed run) are told back at once, the others go to
the executor; each finished result is committed to the store first, then told
to the engine; the engine decides removals; repeat. A run killed at any moment
resumes from the store without retraining a finished instance, and reaches the
same decisions as an uninterrupted run with the same seeds.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from robustsel.config import ExperimentConfig, parse_config
from robustsel.cost import Cost
from robustsel.engine import SelectionEngine, StepDecision
from robustsel.executors import Executor, InstanceJob, LocalExecutor
from robustsel.instances import instance_spec
from robustsel.measures import check_direction
from robustsel.space import expand_grid, model_id
from robustsel.store import FINISHED, Store, StudyRecord
from robustsel.table import RecordedResults
from robustsel.tasks.base import Task
from robustsel.tasks.registry import make_task
from robustsel.types import Direction, InstanceResult, Model


@dataclass(frozen=True)
class Progress:
    """What a live display shows after each finished instance or decision.

    Attributes
    ----------
    step : int
        The selection step being trained (1-based).
    models_alive : int
        Models still in the selection.
    instances_done : int
        Instances finished in this study, reused ones included.
    instances_queued : int
        Instances of the current batch not finished yet.
    elapsed : float
        Seconds since the run started.
    remaining : float
        Estimated seconds until the current batch is done, from the batch's
        throughput so far (NaN before its first result).
    result : InstanceResult or None
        The result that caused this update.
    decision : StepDecision or None
        The decision that caused this update.
    """

    step: int
    models_alive: int
    instances_done: int
    instances_queued: int
    elapsed: float
    remaining: float
    result: InstanceResult | None = None
    decision: StepDecision | None = None


@dataclass(frozen=True)
class StudyOutcome:
    """The end of a live selection.

    Attributes
    ----------
    name : str
        The study's name in the store.
    store_path : Path
        The store file.
    selected_model : str or None
        The selected model (the exhaustive best for an exhaustive run).
    decisions : list of StepDecision
        Every decision of the selection.
    cost : Cost
        Instances and training seconds of the study against the exhaustive
        search (its time estimated from the mean instance time when not run).
    n_reused : int
        Instances found finished in the store (not trained by this run).
    """

    name: str
    store_path: Path
    selected_model: str | None
    decisions: list[StepDecision]
    cost: Cost
    n_reused: int
    engine: SelectionEngine = field(repr=False)


class Study:
    """A live robust selection described by an :class:`ExperimentConfig`.

    Parameters
    ----------
    config : ExperimentConfig
        The experiment (``config.updated(store=...)`` for another store file).

    Attributes
    ----------
    task : Task
        The task built from the config.
    models : list of Model
        The search space, every configuration checked by the task.

    Examples
    --------
    >>> import tempfile
    >>> from robustsel.config import parse_config
    >>> config = parse_config({
    ...     "task": "robustsel.testing:fake_task",
    ...     "space": {"grid": {"mean": [0.9, 0.8, 0.7], "spread": [0.01]}},
    ...     "instances": {"per_model": 6},
    ...     "executor": {"workers": 0},
    ...     "store": f"{tempfile.mkdtemp()}/store.sqlite",
    ... })
    >>> outcome = Study(config).run()
    >>> Study(config).models[0].params["mean"], outcome.cost.instances_trained
    (0.9, 6)
    """

    def __init__(self, config: ExperimentConfig) -> None:
        self.config = config
        self.task = make_task(config.task, config.task_options, config.training)
        self.models = _search_space(config, self.task)

    @property
    def store_path(self) -> Path:
        """The config's store file."""
        return self.config.store_path

    def engine(self, *, exhaustive: bool = False) -> SelectionEngine:
        """A fresh engine for this study (``exhaustive``: decide only after every instance)."""
        ids = [m.model_id for m in self.models]
        return build_engine(self.config, ids, self.task.direction, exhaustive=exhaustive)

    def run(
        self,
        *,
        exhaustive: bool = False,
        executor: Executor | None = None,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> StudyOutcome:
        """Run (or resume) the selection; every result is committed as it arrives.

        Parameters
        ----------
        exhaustive : bool
            Train every instance of every model (the reference of replays and
            reports); the final decision then names the exhaustive best.
        executor : Executor, optional
            Where instances train; default: the config's executor.
        on_progress : callable, optional
            Called with a :class:`Progress` after each result and decision.
        """
        engine = self.engine(exhaustive=exhaustive)
        with Store(self.store_path) as store, executor or make_executor(self.config) as runner:
            store.open_study(
                self.config.name,
                self.config.model_dump(mode="json"),
                self.models,
                fingerprint=self.config.fingerprint,
                quality=self.task.quality,
                direction=self.task.direction,
            )
            reused = run_selection(
                engine,
                self.task,
                {m.model_id: m for m in self.models},
                runner,
                store,
                study=self.config.name,
                seed=self.config.instances.seed,
                train_size=self.config.instances.train_size,
                on_progress=on_progress,
            )
            store.finish_study(self.config.name, engine.selected_model_)
        return StudyOutcome(
            name=self.config.name,
            store_path=self.store_path,
            selected_model=engine.selected_model_,
            decisions=engine.decisions_,
            cost=_estimated_cost(engine, len(self.models) * self.config.instances.per_model),
            n_reused=reused,
            engine=engine,
        )


def build_engine(
    config: ExperimentConfig,
    model_ids: list[str],
    direction: Direction,
    *,
    exhaustive: bool = False,
) -> SelectionEngine:
    """The engine a config describes (``exhaustive``: decide only after every instance)."""
    selection = config.selection
    per_model = config.instances.per_model
    return SelectionEngine(
        model_ids,
        selection.make_criterion(),
        n_instances=per_model,
        n_warmup_instances=per_model if exhaustive else selection.n_warmup_instances,
        direction=direction,
        n_final_instances=0 if exhaustive else selection.final_instances,
    )


def rebuild_engine(store: Store, study: str) -> SelectionEngine:
    """The study's selection engine, told every stored result it asks for.

    Nothing trains: the engine goes as far as the stored results take it (to the
    end for a finished study, or for an exhaustive run's store).

    Raises
    ------
    ValueError
        No such study in the store.
    """
    record = _study_record(store, study)
    config = parse_config(record.config, source=f"{store.path} ({study})")
    ids = [m.model_id for m in store.models(study)]
    engine = build_engine(config, ids, check_direction(record.direction))
    stored = {(r.model_id, r.instance_index): r for r in store.finished(study)}
    while not engine.done:
        known = [stored[k] for i in engine.ask() if (k := (i.model_id, i.instance_index)) in stored]
        if not known:
            break
        engine.tell(known)
    return engine


def _study_record(store: Store, study: str) -> StudyRecord:
    record = store.study(study)
    if record is None:
        names = ", ".join(s.name for s in store.studies()) or "none"
        raise ValueError(f"{store.path} has no study {study!r}; studies: {names}.")
    return record


def run_selection(
    engine: SelectionEngine,
    task: Task,
    models: Mapping[str, Model],
    executor: Executor,
    store: Store,
    *,
    study: str,
    seed: int,
    train_size: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> int:
    """Drive ``engine`` to the end: ask, reuse or train, commit, tell.

    Results the store already holds for asked instances are told without
    training. Every other result is committed to the store before the engine
    sees it, and every decision is recorded. Returns the number of reused
    instances.
    """
    stored = {(r.model_id, r.instance_index): r for r in store.finished(study)}
    clock = _Clock(time.perf_counter())
    reused = 0
    while not engine.done:
        batch = engine.ask()
        known = [stored[key] for i in batch if (key := (i.model_id, i.instance_index)) in stored]
        if known:
            reused += len(known)
            _decided(store, study, engine.tell(known), engine, clock, on_progress)
            continue
        jobs = [
            InstanceJob(models[i.model_id], instance_spec(seed, i.instance_index, train_size))
            for i in batch
        ]
        store.mark_running(study, [(j.model.model_id, j.spec) for j in jobs])
        clock.new_batch()
        for result in executor.run(task, jobs):
            store.record_result(study, result)
            decision = engine.tell([result])
            clock.finished()
            _notify(on_progress, engine, clock, result=result)
            _decided(store, study, decision, engine, clock, on_progress)
    return reused


def _decided(
    store: Store,
    study: str,
    decision: StepDecision | None,
    engine: SelectionEngine,
    clock: _Clock,
    on_progress: Callable[[Progress], None] | None,
) -> None:
    if decision is not None:
        store.record_step(study, decision)
        _notify(on_progress, engine, clock, decision=decision)


@dataclass
class _Clock:
    """Elapsed time, and the current batch's throughput for the estimate of its end
    (whatever the executor's parallelism)."""

    started: float
    batch_started: float = math.nan
    batch_done: int = 0

    def new_batch(self) -> None:
        self.batch_started, self.batch_done = time.perf_counter(), 0

    def finished(self) -> None:
        self.batch_done += 1

    def remaining(self, queued: int) -> float:
        if not self.batch_done:
            return math.nan
        return (time.perf_counter() - self.batch_started) / self.batch_done * queued


def _notify(
    on_progress: Callable[[Progress], None] | None,
    engine: SelectionEngine,
    clock: _Clock,
    *,
    result: InstanceResult | None = None,
    decision: StepDecision | None = None,
) -> None:
    if on_progress is None:
        return
    queued = len(engine.ask()) if not engine.done else 0
    on_progress(
        Progress(
            step=engine.step + (0 if engine.done else 1),
            models_alive=len(engine.alive_models_),
            instances_done=engine.n_instances_trained_,
            instances_queued=queued,
            elapsed=time.perf_counter() - clock.started,
            remaining=clock.remaining(queued),
            result=result,
            decision=decision,
        )
    )


def make_executor(config: ExperimentConfig) -> Executor:
    """The executor the config asks for.

    Raises
    ------
    ValueError
        An executor kind that is not available.
    """
    settings = config.executor
    if settings.kind == "local":
        return LocalExecutor(settings.workers)
    from robustsel.executors.ray import RayExecutor

    return RayExecutor(
        address=settings.address,
        num_cpus_per_instance=settings.num_cpus_per_instance,
        num_gpus_per_instance=settings.num_gpus_per_instance,
        max_retries=settings.max_retries,
    )


def _search_space(config: ExperimentConfig, task: Task) -> list[Model]:
    """The grid's models, then the explicit ones, without repeats, optionally sampled."""
    space = config.space
    models = (
        expand_grid(space.grid, check=task.check_model, invalid=space.invalid) if space.grid else []
    )
    for params in space.models:
        task.check_model(params)
        models.append(Model(model_id(params), dict(params)))
    unique = list({m.model_id: m for m in models}.values())
    if space.sample is not None and space.sample < len(unique):
        rng = np.random.default_rng(space.seed)
        keep = np.sort(rng.choice(len(unique), size=space.sample, replace=False))
        unique = [unique[i] for i in keep]
    return unique


def _estimated_cost(engine: SelectionEngine, exhaustive_instances: int) -> Cost:
    costs = engine.costs_
    known = costs[np.isfinite(costs)]
    mean = float(known.mean()) if known.size else math.nan
    return Cost(
        instances_trained=engine.n_instances_trained_,
        exhaustive_instances=exhaustive_instances,
        time=float(known.sum()) if known.size else math.nan,
        exhaustive_time=mean * exhaustive_instances,
    )


def study_table(store: Store, study: str, *, metric: str | None = None) -> RecordedResults:
    """A study's finished instances as a recorded-results table (instance i is label i + 1).

    Instances not trained are not recorded; diverged and failed ones are NaN.
    Hyperparameters holding lists are written as JSON text.
    """
    record = _study_record(store, study)
    models = store.models(study)
    rows = {m.model_id: r for r, m in enumerate(models)}
    finished = [r for r in store.instances(study) if r.status in FINISHED]
    n_instances = max((r.instance_index for r in finished), default=-1) + 1
    qualities = np.full((len(models), n_instances), np.nan)
    costs = np.full((len(models), n_instances), np.nan)
    recorded = np.zeros((len(models), n_instances), dtype=bool)
    for row in finished:
        index = (rows[row.model_id], row.instance_index)
        qualities[index] = row.quality if row.status == "ok" else math.nan
        costs[index] = row.cost
        recorded[index] = True
    params = pd.DataFrame(
        [{k: _cell(v) for k, v in m.params.items()} for m in models],
        index=pd.Index([m.model_id for m in models], name="model"),
    )
    return RecordedResults(
        metric=metric or record.quality,
        models=params,
        qualities=qualities,
        costs=costs,
        instance_labels=tuple(range(1, n_instances + 1)),
        recorded=None if recorded.all() else recorded,
    )


def _cell(value: object) -> object:
    return json.dumps(value) if isinstance(value, list | dict) else value


def study_report_data(
    store_path: str | Path, *, study: str | None = None
) -> tuple[Any, RecordedResults | None]:
    """The report data of a study in a store, and its table when it is complete.

    The engine is rebuilt from the stored results (nothing trains); a store that
    holds every instance of every model (an exhaustive run) also gets the
    exhaustive comparison.

    Returns
    -------
    (ReportData, RecordedResults or None)

    Raises
    ------
    ValueError
        No such study, several studies and no ``study``, or a study that has not
        selected a model yet.
    """
    from robustsel.replay import exhaustive_search
    from robustsel.report import ReportData

    with Store(store_path, readonly=True) as store:
        name = study or only_study(store)
        engine = rebuild_engine(store, name)
        table = study_table(store, name)
        per_model = parse_config(_study_record(store, name).config).instances.per_model
    complete = table.is_complete and table.n_instances == per_model
    exhaustive = (
        exhaustive_search(table, engine.criterion, direction=engine.direction) if complete else None
    )
    data = ReportData.from_engine(
        engine,
        table.models,
        metric=table.metric,
        cost=_estimated_cost(engine, len(table.model_ids) * per_model),
        exhaustive=exhaustive,
        title=f"study {name}: {engine.criterion.name} selection over {len(table.model_ids)} models",
    )
    return data, table if complete else None


def write_study_report(
    store_path: str | Path, out: str | Path, *, study: str | None = None
) -> Path:
    """Write the report (figures and ``index.html``) of a study in a store; see
    :func:`study_report_data`. Returns the page's path."""
    from robustsel.report import write_report

    data, table = study_report_data(store_path, study=study)
    return write_report(data, out, table=table)


def only_study(store: Store) -> str:
    """The name of the store's only study.

    Raises
    ------
    ValueError
        The store holds no study or several.
    """
    names = [s.name for s in store.studies()]
    if len(names) != 1:
        raise ValueError(
            f"{store.path} holds {len(names)} studies ({', '.join(names) or 'none'}); give --study."
        )
    return names[0]
