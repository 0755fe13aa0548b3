"""``robustsel simulate ecal`` and ``robustsel baseline ecal``: the calorimeter task's data."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from robustsel.cli._app import app

if TYPE_CHECKING:
    from robustsel.tasks.ecal.baselines import Baseline, Metrics

simulate_app = typer.Typer(help="Simulate a task's data set into a file.", no_args_is_help=True)
app.add_typer(simulate_app, name="simulate")
baseline_app = typer.Typer(help="Classical reconstruction baselines.", no_args_is_help=True)
app.add_typer(baseline_app, name="baseline")

PROGRESS_FROM = 20_000
"""Show a progress bar from this many clusters on."""

Dataset_ = Annotated[str, typer.Option("--dataset", help="A: photon only; B: with pile-up.")]
Seed = Annotated[int, typer.Option(help="Random seed; the same seed gives the same arrays.")]
Window = Annotated[int, typer.Option(help="Window side in cells (odd, >= 3).")]
RegionName = Annotated[str, typer.Option(help="inner (4 cm), middle (6 cm), outer (12 cm), mixed.")]
EMin = Annotated[float, typer.Option(help="Lowest photon energy, GeV.")]
EMax = Annotated[float, typer.Option(help="Highest photon energy, GeV.")]
Spectrum = Annotated[str, typer.Option(help="falling (1/E) or flat.")]
Background = Annotated[float, typer.Option(help="Pile-up intensity of dataset B.")]


@simulate_app.callback()
def _simulate() -> None:
    """Simulate a task's data set into a file."""


@baseline_app.callback()
def _baseline() -> None:
    """Fit and evaluate a task's classical reconstruction."""


@simulate_app.command("ecal")
def simulate_ecal_command(
    n: Annotated[int, typer.Option("--n", help="Number of clusters.")],
    out: Annotated[Path, typer.Option("--out", help="Output file, .npz.")],
    dataset: Dataset_ = "A",
    seed: Seed = 0,
    window: Window = 15,
    region: RegionName = "inner",
    e_min: EMin = 1.0,
    e_max: EMax = 100.0,
    spectrum: Spectrum = "falling",
    background: Background = 1.0,
) -> None:
    """Simulate single-photon ECAL clusters into an .npz file.

    Arrays: inputs float32 (N, 1, W, W) in GeV; targets (N, 3): energy (GeV), x,
    y (cm from the seed cell's centre); cell_size; theta; and the settings.
    """
    from robustsel.tasks.ecal.simulate import simulate

    if out.suffix != ".npz":
        raise ValueError(f"--out must name an .npz file; got {str(out)!r}.")
    options = _options(dataset, window, region, e_min, e_max, spectrum, background)
    with _progress(n) as advance:
        data = simulate(n, seed=seed, progress=advance, **options)
    out.parent.mkdir(parents=True, exist_ok=True)
    data.save(out)
    Console().print(
        f"wrote {out}: {n:,} clusters of dataset {dataset}, inputs {data.inputs.shape} float32, "
        "targets energy, x, y"
    )


@baseline_app.command("ecal")
def baseline_ecal_command(
    dataset: Dataset_ = "A",
    n_train: Annotated[int, typer.Option(help="Clusters to fit the baseline on.")] = 20_000,
    n_test: Annotated[int, typer.Option(help="Clusters to evaluate it on.")] = 20_000,
    seed: Seed = 0,
    window: Window = 15,
    region: RegionName = "inner",
    e_min: EMin = 1.0,
    e_max: EMax = 100.0,
    spectrum: Spectrum = "falling",
    background: Background = 1.0,
    train: Annotated[
        Path | None, typer.Option(help="Fit on this file (from simulate) instead.")
    ] = None,
    test: Annotated[Path | None, typer.Option(help="Evaluate on this file instead.")] = None,
    bins: Annotated[str, typer.Option(help="Energy bin edges, GeV.")] = "1,2,5,10,20,50,100",
    json_out: Annotated[Path | None, typer.Option("--json", help="Write metrics as JSON.")] = None,
) -> None:
    """Fit and evaluate the ECAL baselines: calibrated sum and corrected barycenter.

    Fits on training clusters, then prints RMSE(E)/E, RMSE(x) and RMSE(y) of test
    clusters per energy bin, and the sum's resolution fit a/sqrt(E) (+) b (+) c/E.
    """
    from robustsel.tasks.ecal.baselines import Baseline, reconstruction_metrics
    from robustsel.tasks.ecal.simulate import Dataset, simulate

    edges = _edges(bins)
    for flag, value in (("--n-train", n_train), ("--n-test", n_test)):
        if value < 1:
            raise ValueError(f"{flag} must be >= 1; got {value}.")
    if (train is None) != (test is None):
        raise ValueError("give both --train and --test, or neither to simulate them.")
    if train is not None and test is not None:
        fit_on, evaluate_on = Dataset.load(train), Dataset.load(test)
    else:
        options = _options(dataset, window, region, e_min, e_max, spectrum, background)
        train_seed, test_seed = (int(s) for s in np.random.SeedSequence(seed).generate_state(2))
        fit_on = simulate(n_train, seed=train_seed, **options)
        evaluate_on = simulate(n_test, seed=test_seed, **options)
    baseline = Baseline().fit(fit_on)
    metrics = reconstruction_metrics(
        evaluate_on.targets, baseline.predict(evaluate_on), energy_bins=edges
    )
    _print_metrics(Console(), baseline, metrics, len(fit_on), len(evaluate_on))
    if json_out is not None:
        json_out.write_text(json.dumps(metrics.to_dict(), indent=2) + "\n")


def _options(
    dataset: str,
    window: int,
    region: str,
    e_min: float,
    e_max: float,
    spectrum: str,
    background: float,
) -> dict[str, Any]:
    return {
        "dataset": dataset,
        "window": window,
        "region": region,
        "energy_range": (e_min, e_max),
        "spectrum": spectrum,
        "background": background,
    }


def _edges(bins: str) -> list[float]:
    try:
        return [float(edge) for edge in bins.split(",")]
    except ValueError:
        raise ValueError(f"--bins must be comma-separated numbers; got {bins!r}.") from None


@contextmanager
def _progress(n: int) -> Iterator[Callable[[int], None] | None]:
    if n < PROGRESS_FROM:
        yield None
        return
    columns = (*Progress.get_default_columns()[:2], BarColumn(), MofNCompleteColumn())
    with Progress(
        *columns, TimeRemainingColumn(), console=Console(stderr=True), transient=True
    ) as bar:
        task = bar.add_task("simulating", total=n)
        yield lambda done: bar.update(task, completed=done)


def _print_metrics(
    console: Console, baseline: Baseline, metrics: Metrics, n_train: int, n_test: int
) -> None:
    table = Table(
        "E bin, GeV", "clusters", "RMSE(E)/E", "RMSE(x), cm", "RMSE(y), cm", title="ECAL baseline"
    )
    edges = metrics.bin_edges
    for b, count in enumerate(metrics.count):
        table.add_row(
            f"{edges[b]:g}-{edges[b + 1]:g}",
            f"{count:,}",
            f"{metrics.bin_rmse_e_over_e[b]:.4f}",
            f"{metrics.bin_rmse_x[b]:.3f}",
            f"{metrics.bin_rmse_y[b]:.3f}",
        )
    table.add_row(
        "all",
        f"{n_test:,}",
        f"{metrics.rmse_e_over_e:.4f}",
        f"{metrics.rmse_x:.3f}",
        f"{metrics.rmse_y:.3f}",
        style="bold",
    )
    console.print(table)
    widths = ", ".join(f"{c:g} cm: {b:.3f} cm" for c, b in baseline.position_.widths_.items())
    console.print(
        f"fitted on {n_train:,} clusters: E = {baseline.energy_.slope_:.4f} x sum "
        f"{baseline.energy_.offset_:+.3f} GeV; S-curve width b ({widths})"
    )
    if np.count_nonzero(metrics.count) > 3:
        from robustsel.tasks.ecal.baselines import fit_resolution

        fit = fit_resolution(metrics.mean_energy, metrics.bin_rmse_e_over_e, count=metrics.count)
        console.print(
            f"sum resolution: sigma/E = {fit.stochastic:.3f}/sqrt(E) (+) {fit.constant:.4f} "
            f"(+) {fit.noise:.3f}/E"
        )
