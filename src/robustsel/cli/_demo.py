"""``robustsel demo``: the built-in calorimeter selection, end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from robustsel.cli._app import app
from robustsel.cli._run import LiveDisplay, print_outcome
from robustsel.demo import demo_config, run_demo


@app.command("demo")
def demo_command(
    out: Annotated[Path, typer.Option(help="Folder of the store and the report.")] = Path(
        "runs/demo"
    ),
    workers: Annotated[int | None, typer.Option(help="Local worker processes.")] = None,
    fresh: Annotated[bool, typer.Option(help="Start over instead of resuming.")] = False,
) -> None:
    """Select the robust model among 24 calorimeter energy CNNs (a few minutes on
    two cores), write the report, and print the selected model with its uncertainty."""
    console = Console()
    config = demo_config(out, workers=workers)
    console.print(
        f"robustsel demo: {config.task} on simulated LHCb-like ECAL clusters (dataset "
        f"{config.task_options.get('dataset')}), {config.selection.criterion} selection, "
        f"{config.executor.workers} workers; store {config.store_path}"
    )
    with LiveDisplay(console) as display:
        demo = run_demo(out, workers=workers, fresh=fresh, on_progress=display.update)
    print_outcome(console, demo.outcome)
    u = demo.uncertainty.formatted()
    console.print(
        f"[bold]{demo.outcome.selected_model}[/]: RMSE(E)/E = {u['mean']} +- {u['std']} "
        f"(std over {demo.uncertainty.n_instances} instances), 95% CI of the mean "
        f"[{u['ci_low']}, {u['ci_high']}]; the calibrated deposit sum gives {demo.baseline:.4f}"
    )
    console.print(f"report: {demo.report}")
