"""``robustsel run``, ``status`` and ``export``: live selections and their stores."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from robustsel.cli._app import app
from robustsel.config import load_config, with_settings
from robustsel.store import FINISHED, Store
from robustsel.study import (
    Progress,
    Study,
    StudyOutcome,
    only_study,
    study_table,
    write_study_report,
)
from robustsel.table import write_wide


@app.command("run")
def run_command(
    config: Annotated[Path, typer.Argument(help="Experiment YAML file.")],
    store: Annotated[
        Path | None, typer.Option(help="Results database (overrides the config).")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Local worker processes.")] = None,
    executor: Annotated[str | None, typer.Option(help="local or ray.")] = None,
    address: Annotated[str | None, typer.Option(help="Ray cluster address.")] = None,
    exhaustive: Annotated[
        bool, typer.Option(help="Train every instance of every model (the reference).")
    ] = False,
    resume: Annotated[bool, typer.Option(help="Continue the study found in the store.")] = False,
    report: Annotated[Path | None, typer.Option(help="Write the report to this folder.")] = None,
    data: Annotated[
        str | None, typer.Option(help="Dataset path for tasks that read one (task_options.data).")
    ] = None,
    setting: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a config key: --set instances.train_size=20000."),
    ] = None,
) -> None:
    """Run a live robust selection (or resume it: finished instances never train again)."""
    executor_options = {"workers": workers, "kind": executor, "address": address}
    changes: dict[str, Any] = {
        "executor": {k: v for k, v in executor_options.items() if v is not None}
    }
    if store is not None:
        changes["store"] = str(store)
    if data is not None:
        changes["task_options"] = {"data": data}
    experiment = with_settings(load_config(config), setting or []).updated(**changes)
    if resume:
        _check_resumable(experiment.store_path, experiment.name)
    study = Study(experiment)
    console = Console()
    console.print(
        f"study [bold]{experiment.name}[/]: {len(study.models)} models of task {experiment.task}, "
        f"store {study.store_path}"
    )
    with LiveDisplay(console) as display:
        outcome = study.run(exhaustive=exhaustive, on_progress=display.update)
    print_outcome(console, outcome)
    if report is not None:
        page = write_study_report(study.store_path, report, study=experiment.name)
        console.print(f"report: {page}")


def _check_resumable(path: Path, name: str) -> None:
    if not path.is_file():
        raise ValueError(f"--resume: no store at {path}; run without --resume to start the study.")
    with Store(path, readonly=True) as store:
        if store.study(name) is None:
            raise ValueError(f"--resume: {path} has no study {name!r}; check the config's name.")


class LiveDisplay:
    """A Rich live view of a running study: step, models alive, instances, times."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._live = Live(console=console, refresh_per_second=4, transient=False)
        self._last: Progress | None = None
        self._decisions: list[str] = []

    def __enter__(self) -> LiveDisplay:
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.__exit__(*exc)  # type: ignore[arg-type]
        self.console.print()

    def update(self, progress: Progress) -> None:
        """Show ``progress`` (a callback of :meth:`Study.run`)."""
        self._last = progress
        if progress.decision is not None:
            d = progress.decision
            self._decisions = [
                *self._decisions[-3:],
                f"step {d.step}: {len(d.removed)} removed, {len(d.kept)} kept, reference "
                f"{d.reference_model_id}",
            ]
        self._live.update(self._render(progress))

    def _render(self, p: Progress) -> Group:
        line = (
            f"step {p.step} | {p.models_alive} models alive | {p.instances_done} instances done, "
            f"{p.instances_queued} queued | {_duration(p.elapsed)} elapsed, step ends in "
            f"~{_duration(p.remaining)}"
        )
        return Group(Text(line), *(Text(d, style="dim") for d in self._decisions))


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def print_outcome(console: Console, outcome: StudyOutcome) -> None:
    """The closing summary of a run."""
    cost = outcome.cost
    console.print(
        f"selected model [bold]{outcome.selected_model}[/] after {len(outcome.decisions)} "
        f"decisions; {cost.instances_trained} instances ({outcome.n_reused} reused from the "
        f"store) of {cost.exhaustive_instances} for an exhaustive search, "
        f"cost {cost.fraction:.1%} of it"
    )


@app.command("status")
def status_command(
    store: Annotated[Path, typer.Argument(help="Results database.")],
    study: Annotated[str | None, typer.Option(help="Only this study.")] = None,
) -> None:
    """Show the progress of the studies in a store (safe while a run writes it)."""
    console = Console()
    with Store(store, readonly=True) as db:
        records = [r for r in db.studies() if study is None or r.name == study]
        if not records:
            raise ValueError(f"{store} has no study{f' {study!r}' if study else ''}.")
        for record in records:
            console.print(_status_table(db, record.name))


_STATUS_WORDS = {"running": "in progress"}


def _status_table(db: Store, name: str) -> Table:
    record = db.study(name)
    assert record is not None
    rows = db.instances(name)
    steps = db.steps(name)
    counts = {s: sum(r.status == s for r in rows) for s in ("ok", "diverged", "failed", "running")}
    seconds = sum(r.cost for r in rows if r.status in FINISHED and math.isfinite(r.cost))
    n_models = len(db.models(name))
    alive = len(steps[-1]["kept"]) if steps else n_models
    table = Table(title=f"study {name}", show_header=False)
    for key, value in [
        ("task", record.config.get("task")),
        ("quality", f"{record.quality} ({record.direction})"),
        ("models", f"{alive} alive of {n_models}"),
        ("steps decided", len(steps)),
        ("instances", ", ".join(f"{v} {_STATUS_WORDS.get(k, k)}" for k, v in counts.items())),
        ("training time", f"{seconds / 3600:.2f} h"),
        ("started", time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.created_at))),
        ("selected model", record.selected_model or "(running or interrupted)"),
    ]:
        table.add_row(key, str(value))
    return table


@app.command("export")
def export_command(
    store: Annotated[Path, typer.Argument(help="Results database.")],
    out: Annotated[Path, typer.Option(help="CSV file to write (wide layout).")],
    study: Annotated[str | None, typer.Option(help="Study name (default: the only one).")] = None,
) -> None:
    """Write a study's finished instances in the wide layout that ``replay`` reads."""
    with Store(store, readonly=True) as db:
        name = study or only_study(db)
        table = study_table(db, name)
    write_wide(table, out)
    Console().print(
        f"wrote {out}: {len(table.model_ids)} models x {table.n_instances} instances of "
        f"{table.metric}"
    )
