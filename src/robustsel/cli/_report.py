"""``robustsel report``: the figures and the HTML page of a finished selection."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from robustsel.cli._app import app
from robustsel.criteria import make_criterion
from robustsel.replay import ReplayResult, replay
from robustsel.table import RecordedResults, read_results

SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
REPLAY_KEYS = ("criterion", "measure", "warmup", "direction", "instance_order", "selected_model")


@app.command("report")
def report_command(
    run: Annotated[
        Path,
        typer.Argument(help="A replay JSON ('robustsel replay --json') or a run store."),
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for the PNG files and index.html.")],
    table: Annotated[
        list[Path] | None,
        typer.Option(help="Recorded-results files replayed (default: those RUN names)."),
    ] = None,
    metric: Annotated[
        str | None, typer.Option(help="Quality column (default: the one RUN names).")
    ] = None,
    where: Annotated[
        str | None, typer.Option(help="pandas query on hyperparameters (default: RUN's).")
    ] = None,
    base_model: Annotated[
        str | None, typer.Option(help="Model id to mark as the base model.")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Title of the report.")] = None,
    study: Annotated[str | None, typer.Option(help="Study of a run store.")] = None,
) -> None:
    """Write the report of a selection: PNG figures and a self-contained index.html."""
    if _is_store(run):
        from robustsel.study import write_study_report

        Console().print(f"wrote {write_study_report(run, out, study=study)}")
        return
    recorded = _read_run(run)
    source = recorded.get("source") or {}
    files = table or source.get("files")
    if not files:
        raise ValueError(f"{run.name} does not name the table it replayed; give --table FILE.")
    results = read_results(
        files,
        metric or source.get("metric") or recorded.get("metric", "ValAccuracy"),
        where=where if where is not None else source.get("where"),
    )
    result = _replay_again(recorded, results, run.name)
    from robustsel.report import ReportData, write_report

    data = ReportData.from_replay(result, results, base_model_id=base_model, title=title)
    index = write_report(data, out, table=results)
    Console().print(f"wrote {index}")


def _is_store(run: Path) -> bool:
    if not run.is_file():
        raise FileNotFoundError(f"run not found: {run}.")
    return run.suffix.lower() in SQLITE_SUFFIXES or _starts_like_sqlite(run)


def _read_run(run: Path) -> dict[str, Any]:
    try:
        recorded = json.loads(run.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{run.name} is not a replay JSON: {error}.") from None
    missing = [k for k in REPLAY_KEYS if not isinstance(recorded, dict) or k not in recorded]
    if missing:
        raise ValueError(f"{run.name} is not a replay JSON; it lacks {', '.join(missing)}.")
    return dict(recorded)


def _starts_like_sqlite(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC


def _replay_again(recorded: dict[str, Any], results: RecordedResults, name: str) -> ReplayResult:
    rule = make_criterion(
        recorded["criterion"],
        measure=recorded["measure"],
        **{
            k: recorded.get(k)
            for k in ("alpha", "fraction", "factor", "screen_fraction", "min_screened", "margin")
        },
    )
    result = replay(
        results,
        rule,
        direction=recorded["direction"],
        n_warmup_instances=recorded["warmup"],
        instance_order=recorded["instance_order"],
        n_final_instances=recorded.get("final_instances", 0),
    )
    trained = recorded.get("cost", {}).get("instances_trained", result.cost.instances_trained)
    if (
        result.selected_model != recorded["selected_model"]
        or result.cost.instances_trained != trained
    ):
        raise ValueError(
            f"the table does not reproduce {name}: replayed, it selects {result.selected_model} "
            f"after {result.cost.instances_trained} instances, {name} says "
            f"{recorded['selected_model']} after {trained}; check --table, --metric and --where."
        )
    return result
