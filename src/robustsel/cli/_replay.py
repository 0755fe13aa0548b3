"""``robustsel replay``: a selection over recorded results, without training."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from robustsel.cli._app import app
from robustsel.criteria import DEFAULT_CRITERION, DEFAULT_WARMUP, make_criterion
from robustsel.measures import check_measure
from robustsel.replay import ReplayResult, random_order, replay, replay_repeats
from robustsel.table import RecordedResults, read_results

DIRECTIONS = {"max": "maximize", "maximize": "maximize", "min": "minimize", "minimize": "minimize"}


@app.command("replay")
def replay_command(
    files: Annotated[list[Path], typer.Argument(help="Recorded-results CSV files (wide or long).")],
    metric: Annotated[str, typer.Option(help="Quality column (prefix in the wide layout).")] = (
        "ValAccuracy"
    ),
    direction: Annotated[str, typer.Option(help="max (accuracy) or min (loss).")] = "max",
    measure: Annotated[str, typer.Option(help="Robustness measure.")] = "mean",
    criterion: Annotated[
        str, typer.Option(help="Selection criterion (default: the race, experimental).")
    ] = DEFAULT_CRITERION,
    alpha: Annotated[float, typer.Option(help="Test level of statistical criteria.")] = 0.05,
    fraction: Annotated[float, typer.Option(help="Fraction kept by 'quantile'.")] = 0.5,
    factor: Annotated[float, typer.Option(help="Elimination rate of 'halving'.")] = 2.0,
    margin: Annotated[
        float | None, typer.Option(help="Equivalence margin of 'race', relative to the best mean.")
    ] = None,
    screen_fraction: Annotated[
        float | None, typer.Option(help="Fraction kept by the first-instance screen of 'race'.")
    ] = None,
    warmup: Annotated[
        int | None,
        typer.Option(
            help=f"Warm-up instances k (default: {DEFAULT_WARMUP} for '{DEFAULT_CRITERION}', "
            "else 2)."
        ),
    ] = None,
    final_instances: Annotated[
        int, typer.Option(help="Instances the selected model ends with.")
    ] = 0,
    order: Annotated[
        str | None, typer.Option(help="Instance order, 1-based numbers: 1,18,16,...")
    ] = None,
    order_seed: Annotated[int | None, typer.Option(help="Seed of a random instance order.")] = None,
    where: Annotated[str | None, typer.Option(help="pandas query on hyperparameters.")] = None,
    repeat: Annotated[int, typer.Option(help="Also replay N random orders.")] = 0,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the result as JSON.")
    ] = None,
) -> None:
    """Replay a selection over recorded instance results and compare it with the
    exhaustive search."""
    if direction not in DIRECTIONS:
        raise ValueError(f"--direction must be max or min; got {direction!r}.")
    if order is not None and order_seed is not None:
        raise ValueError("give --order or --order-seed, not both.")
    if repeat < 0:
        raise ValueError(f"--repeat must be >= 0; got {repeat}.")
    check_measure(measure)
    rule = make_criterion(
        criterion,
        measure=measure,
        alpha=alpha,
        fraction=fraction,
        factor=factor,
        margin=margin,
        screen_fraction=screen_fraction,
    )
    if warmup is None:
        warmup = rule.default_warmup
    results = read_results(files, metric, where=where)
    instance_order = _order(results, order, order_seed)
    settings: dict[str, Any] = {
        "direction": DIRECTIONS[direction],
        "n_warmup_instances": warmup,
        "n_final_instances": final_instances,
    }
    run = replay(results, rule, instance_order=instance_order, **settings)
    output = run.to_dict()
    output["source"] = {
        "files": [str(Path(f).resolve()) for f in files],
        "metric": metric,
        "where": where,
    }
    console = Console()
    _print_replay(console, run, results)
    if repeat:
        first = order_seed or 0
        repeated = replay_repeats(
            results, rule, order_seeds=range(first, first + repeat), **settings
        )
        output["repeats"] = repeated.repeats
        output["summary"] = repeated.summary
        _print_summary(console, repeated.summary, repeat)
    if json_out is not None:
        json_out.write_text(json.dumps(output, indent=2) + "\n")
        console.print(f"wrote {json_out}")


def _order(results: RecordedResults, order: str | None, seed: int | None) -> list[int] | None:
    if seed is not None:
        return random_order(results, seed)
    if order is None:
        return None
    try:
        return [int(part) for part in order.split(",")]
    except ValueError:
        raise ValueError(
            f"--order must be comma-separated instance numbers; got {order!r}."
        ) from None


def _print_replay(console: Console, run: ReplayResult, results: RecordedResults) -> None:
    params = results.models.loc[run.selected_model].dropna().to_dict()
    described = ", ".join(f"{k}={v}" for k, v in params.items())
    console.print(f"[bold]selected model[/] {run.selected_model}  {described}")
    table = Table("step", "models before", "removed", "reference model", "cumulative cost")
    for d in run.decisions:
        table.add_row(
            str(d.step),
            str(len(d.models_before)),
            str(len(d.removed)),
            d.reference_model_id,
            f"{d.cumulative_cost:,.0f}",
        )
    console.print(table)
    cost = run.cost
    console.print(
        f"{len(run.remaining_models)} of {run.n_models} models left after "
        f"{len(run.decisions)} decisions; trained {cost.instances_trained:,} of "
        f"{cost.exhaustive_instances:,} instances, cost {cost.fraction:.1%} of the "
        "exhaustive search"
    )
    if run.exhaustive is None:
        console.print("the table is incomplete: no comparison with the exhaustive search")
        return
    verdict = "inside" if run.in_best_set else "outside"
    console.print(
        f"exhaustive best {run.exhaustive.best_model}; the selected model is {verdict} its best "
        f"set of {len(run.exhaustive.best_set)} (regret {run.regret or 0.0:.4g} {run.metric})"
    )


def _print_summary(console: Console, summary: dict[str, float], repeat: int) -> None:
    console.print(
        f"{repeat} random orders: hit rate {summary['hit_rate']:.2f}, mean cost "
        f"{summary['mean_cost_fraction']:.1%}, mean regret {summary['mean_regret']:.4g}, "
        f"worst regret {summary['max_regret']:.4g}"
    )
