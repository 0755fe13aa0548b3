"""Peers benchmark: robustsel's selection against grid search, halving and Optuna.

Every method selects one model over the same recorded instances; an instance
costs its recorded training time. Tables:

1. the method authors' CIFAR-10 results (``../shared/data/authors-cifar10``),
   ResNet then CCT rows of each ``dt_len`` (604 models x 20 instances), one
   replay per random instance order (:func:`robustsel.replay.random_order`);
2. generated tables with a known truth (``peers/scenarios.py``), one random
   order per table.

Per method and table it reports the mean cost fraction (training time used /
exhaustive search), the hit rate (selected model inside the exhaustive best set:
models that Welch's test at alpha 0.05 with all 20 instances does not find worse
than the best mean, :func:`robustsel.replay.exhaustive_search`), the mean and
worst regret (accuracy points below the exhaustive best's mean), and the spread
(standard deviation, points) of the selected model's 20 instances against the
smallest spread inside the best set. On generated tables the regret is also
taken against the true means.

Usage::

    nice -n 10 .venv/bin/python bench/peers_bench.py [--orders 200] [--tables 30]
        [--jobs 2] [--markdown FILE] [--plot PNG] [--records JSON] [--no-optuna]
        [--optuna-orders N]

The full run takes about 22 minutes on two cores, 93% of it in Optuna's studies
(1.4-1.8 s each); ``--no-optuna`` runs the rest in about 80 s, and
``--optuna-orders 20`` gives every number in under 4 minutes, Optuna's from 20
orders.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from peers import (
    Outcome,
    check_fast_wilcoxon,
    exhaustive,
    random_model,
    successive_halving,
    wilcoxon_pruner_search,
)
from peers.scenarios import SCENARIOS
from robustsel._experimental import ExperimentalWarning
from robustsel.cost import cost_of
from robustsel.criteria import (
    DEFAULT_CRITERION,
    DEFAULT_WARMUP,
    Halving,
    KolmogorovSmirnov,
    Quantile,
    Race,
    SelectionCriterion,
    Welch,
    make_criterion,
)
from robustsel.measures import Qualities
from robustsel.replay import Exhaustive, exhaustive_search, random_order, replay
from robustsel.table import RecordedResults, read_results

DATA = Path(__file__).resolve().parents[2] / "shared/data/authors-cifar10"
FILES = ("resnet_540_models_val_only.csv", "cct_64_models_val_only.csv")
DT_LENS = (10000, 20000, 30000)
BEST_SET_JUDGE = Welch(alpha=0.05)

warnings.filterwarnings("ignore", category=ExperimentalWarning)


class RaceSmallestSpread(Race):
    """Ablation: on a stop, the smallest spread among the equivalent models."""

    def _choose(self, oriented: Qualities, keep: npt.NDArray[np.bool_], best: int) -> int:
        spread = np.where(keep, oriented.std(axis=-1, ddof=1), np.inf)
        return int(np.argmin(spread))


@dataclass(frozen=True)
class Table:
    """One table to select from, with its exhaustive answer."""

    group: str
    results: RecordedResults
    exhaustive: Exhaustive
    true_means: npt.NDArray[np.float64] | None = None


@dataclass(frozen=True)
class Method:
    """A selection method: ``run(table, order labels, seed) -> (row, cost fraction)``."""

    name: str
    family: str
    run: Callable[[Table, list[int], int], tuple[int, float]]
    optuna: bool = False


def _peer(select: Callable[[Qualities, list[int], int], Outcome]) -> Callable[..., Any]:
    def run(table: Table, order: list[int], seed: int) -> tuple[int, float]:
        labels = table.results.instance_labels
        columns = [labels.index(label) for label in order]
        outcome = select(table.results.qualities, columns, seed)
        return outcome.selected, cost_of(outcome.trained, table.results.costs).fraction

    return run


def _engine(criterion: Callable[[], SelectionCriterion], warmup: int) -> Callable[..., Any]:
    def run(table: Table, order: list[int], seed: int) -> tuple[int, float]:
        result = replay(
            table.results,
            criterion(),
            n_warmup_instances=warmup,
            instance_order=order,
            exhaustive=table.exhaustive,
        )
        return table.results.model_ids.index(result.selected_model), result.cost.fraction

    return run


METHODS = [
    Method("grid search (exhaustive)", "reference", _peer(lambda q, o, s: exhaustive(q))),
    Method("random model (floor)", "floor", _peer(lambda q, o, s: random_model(q, seed=s))),
    Method(
        "successive halving, factor 2",
        "halving",
        _peer(lambda q, o, s: successive_halving(q, o, factor=2)),
    ),
    Method(
        "successive halving, factor 3",
        "halving",
        _peer(lambda q, o, s: successive_halving(q, o, factor=3)),
    ),
    Method(
        "Optuna WilcoxonPruner, p 0.05",
        "optuna",
        _peer(lambda q, o, s: wilcoxon_pruner_search(q, o, p_threshold=0.05, seed=s)),
        optuna=True,
    ),
    Method(
        "Optuna WilcoxonPruner, p 0.1",
        "optuna",
        _peer(lambda q, o, s: wilcoxon_pruner_search(q, o, p_threshold=0.1, seed=s)),
        optuna=True,
    ),
    Method("authors: halving on mean, k 2", "authors", _engine(lambda: Halving(), 2)),
    Method(
        "authors: halving on Q1-IQR, k 2",
        "authors",
        _engine(lambda: Halving(measure="q3_iqr"), 2),
    ),
    Method("authors: Welch 0.05, k 2", "authors", _engine(lambda: Welch(alpha=0.05), 2)),
    Method("authors: KS 0.05, k 2", "authors", _engine(lambda: KolmogorovSmirnov(alpha=0.05), 2)),
    Method(
        f"robustsel default: {DEFAULT_CRITERION}, k {DEFAULT_WARMUP}",
        "robustsel",
        _engine(lambda: make_criterion(DEFAULT_CRITERION), DEFAULT_WARMUP),
    ),
    Method("quantile 0.25 on mean, k 1", "ablation", _engine(lambda: Quantile(fraction=0.25), 1)),
    Method("race, smallest spread at stop", "ablation", _engine(RaceSmallestSpread, 1)),
    Method("race, no stop (margin 0)", "ablation", _engine(lambda: Race(margin=0.0), 1)),
    Method("race, no screen, k 2", "ablation", _engine(lambda: Race(), 2)),
]

_TABLES: dict[str, Table] = {}


def authors_table(dt_len: int) -> Table:
    """The authors' table of ``dt_len``: ResNet rows then CCT rows."""
    results = read_results([DATA / f for f in FILES], "ValAccuracy", where=f"dt_len == {dt_len}")
    judge = exhaustive_search(results, BEST_SET_JUDGE, direction="maximize")
    return Table(f"{dt_len // 1000}k", results, judge)


def synthetic_table(scenario: str, seed: int) -> Table:
    """Table ``seed`` of a generated scenario, with its true means."""
    results, means = SCENARIOS[scenario].table(seed)
    judge = exhaustive_search(results, BEST_SET_JUDGE, direction="maximize")
    return Table(scenario, results, judge, means)


def _table(key: tuple[str, int]) -> Table:
    name, seed = key
    cache_key = name if name in {"10k", "20k", "30k"} else f"{name}/{seed}"
    if cache_key not in _TABLES:
        if name in {"10k", "20k", "30k"}:
            _TABLES[cache_key] = authors_table(int(name[:-1]) * 1000)
        else:
            _TABLES[cache_key] = synthetic_table(name, seed)
    return _TABLES[cache_key]


def run_task(task: tuple[str, int, list[str]]) -> list[dict[str, Any]]:
    """Every method of ``task`` on one table and one instance order."""
    name, seed, method_names = task
    table = _table((name, seed))
    results = table.results
    order = random_order(results, seed)
    means = np.asarray([table.exhaustive.means[m] for m in results.model_ids])
    spreads = np.nanstd(results.qualities, axis=1, ddof=1)
    best = results.model_ids.index(table.exhaustive.best_model)
    in_best = np.isin(results.model_ids, table.exhaustive.best_set)
    records = []
    for method in (m for m in METHODS if m.name in method_names):
        start = time.perf_counter()
        row, fraction = method.run(table, order, seed)
        record = {
            "table": table.group,
            "seed": seed,
            "method": method.name,
            "selected": results.model_ids[row],
            "cost_fraction": fraction,
            "hit": bool(in_best[row]),
            "regret": 100 * float(means[best] - means[row]),
            "spread": 100 * float(spreads[row]),
            "best_set_min_spread": 100 * float(spreads[in_best].min()),
            "seconds": time.perf_counter() - start,
        }
        if table.true_means is not None:
            record["true_regret"] = 100 * float(table.true_means.max() - table.true_means[row])
        records.append(record)
    return records


def summarize(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per table group and method: means over orders (or tables)."""
    rows = []
    groups = list(dict.fromkeys(r["table"] for r in records))
    for group in groups:
        for method in METHODS:
            chosen = [r for r in records if r["table"] == group and r["method"] == method.name]
            if not chosen:
                continue
            column = {k: np.array([r[k] for r in chosen]) for k in chosen[0]}
            row = {
                "table": group,
                "method": method.name,
                "family": method.family,
                "n": len(chosen),
                "cost": float(column["cost_fraction"].mean()),
                "hit_rate": float(column["hit"].mean()),
                "regret": float(column["regret"].mean()),
                "worst_regret": float(column["regret"].max()),
                "spread": float(column["spread"].mean()),
                "best_set_min_spread": float(column["best_set_min_spread"].mean()),
                "seconds": float(column["seconds"].mean()),
            }
            if "true_regret" in column:
                row["true_regret"] = float(column["true_regret"].mean())
                row["worst_true_regret"] = float(column["true_regret"].max())
            rows.append(row)
    return rows


def markdown(rows: list[dict[str, Any]], *, truth: bool) -> str:
    """The summary as a Markdown table."""
    head = ["table", "method", "cost", "hit rate", "regret mean / worst (pt)"]
    head += ["true regret mean / worst (pt)"] if truth else []
    head += ["spread selected / best-set min (pt)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [
            r["table"],
            f"**{r['method']}**" if r["family"] == "robustsel" else r["method"],
            f"{r['cost']:.1%}",
            f"{r['hit_rate']:.3f}",
            f"{r['regret']:.3f} / {r['worst_regret']:.3f}",
        ]
        if truth:
            cells.append(f"{r['true_regret']:.3f} / {r['worst_true_regret']:.3f}")
        cells.append(f"{r['spread']:.3f} / {r['best_set_min_spread']:.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(rows: list[dict[str, Any]], path: Path, n_orders: int) -> None:
    """Cost fraction against hit rate, one colour per method, one marker per dt_len.

    Left: every method; right: the same, zoomed on the methods that hit.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11.0, 4.4), dpi=90)
    markers = dict(zip(["10k", "20k", "30k"], ["o", "s", "^"], strict=True))
    colors = plt.get_cmap("tab20").colors
    for ax in axes:
        for i, method in enumerate(m.name for m in METHODS):
            ours = method.startswith("robustsel default")
            points = [r for r in rows if r["method"] == method and r["table"] in markers]
            for r in points:
                ax.scatter(
                    r["cost"],
                    r["hit_rate"],
                    marker=markers[r["table"]],
                    color="black" if ours else colors[i % 20],
                    s=70 if ours else 30,
                    label=method if ax is axes[0] and r is points[0] else None,
                    zorder=4 if ours else 3,
                )
        ax.axvline(0.10, color="grey", linestyle="--", linewidth=0.8)
        ax.axhline(0.95, color="grey", linestyle=":", linewidth=0.8)
        ax.grid(alpha=0.3, which="both")
        ax.set_xlabel("training time used / exhaustive search")
    axes[0].set_xscale("log")
    axes[0].set_ylabel("hit rate (selected model in the best set)")
    axes[0].set_title("all methods (log cost)")
    axes[1].set_xlim(0.0, 0.32)
    axes[1].set_ylim(0.84, 1.01)
    axes[1].set_title("zoom: cost up to 32%, hit rate from 0.84")
    fig.suptitle(
        f"Authors' CIFAR-10 results, {n_orders} orders per dt_len: o 10k, s 20k, ^ 30k; "
        "dashed: 10% cost, dotted: 0.95 hit rate",
        fontsize=10,
    )
    fig.legend(fontsize=7, loc="center right", frameon=False)
    fig.tight_layout(rect=(0.0, 0.0, 0.78, 1.0))
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=200, help="random orders per dt_len")
    parser.add_argument("--tables", type=int, default=30, help="generated tables per scenario")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-optuna", action="store_true", help="skip Optuna (93%% of the time)")
    parser.add_argument(
        "--optuna-orders", type=int, help="run Optuna on the first N orders and tables only"
    )
    parser.add_argument("--markdown", type=Path, help="write the Markdown tables here")
    parser.add_argument("--plot", type=Path, help="write the cost-vs-hit plot here (PNG)")
    parser.add_argument("--records", type=Path, help="write every replay's record here (JSON)")
    args = parser.parse_args(argv)
    if not (DATA / FILES[0]).is_file():
        print(f"error: the authors' data is not in {DATA}.", file=sys.stderr)
        return 2
    names = [m.name for m in METHODS if not (args.no_optuna and m.optuna)]
    if not args.no_optuna:
        print(f"fast Wilcoxon permutation test: {check_fast_wilcoxon()} p-values equal SciPy's")
    n_optuna = args.optuna_orders

    def methods(seed: int) -> list[str]:
        if n_optuna is None or seed < n_optuna:
            return names
        return [m.name for m in METHODS if m.name in names and not m.optuna]

    tasks = [(f"{d // 1000}k", s, methods(s)) for d in DT_LENS for s in range(args.orders)]
    tasks += [(name, s, methods(s)) for name in SCENARIOS for s in range(args.tables)]
    for key in {(t[0], 0) for t in tasks if t[0].endswith("k")}:
        _table(key)  # read once, before the workers fork
    start = time.perf_counter()
    records: list[dict[str, Any]] = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for i, batch in enumerate(pool.map(run_task, tasks, chunksize=4)):
            records += batch
            if (i + 1) % 100 == 0:
                print(
                    f"  {i + 1}/{len(tasks)} tasks, {time.perf_counter() - start:.0f} s",
                    file=sys.stderr,
                )
    elapsed = time.perf_counter() - start
    rows = summarize(records)
    authors = [r for r in rows if r["table"].endswith("k")]
    generated = [r for r in rows if not r["table"].endswith("k")]
    optuna_note = "" if n_optuna is None else f"; Optuna on the first {n_optuna}"
    text = (
        f"### Authors' CIFAR-10 results ({args.orders} random orders per dt_len{optuna_note})\n\n"
        f"{markdown(authors, truth=False)}\n\n"
        f"### Generated tables with a known truth ({args.tables} tables per scenario"
        f"{optuna_note})\n\n"
        f"{markdown(generated, truth=True)}\n"
    )
    print(text)
    per_method = {m: np.mean([r["seconds"] for r in records if r["method"] == m]) for m in names}
    print(
        "mean seconds per selection: " + ", ".join(f"{m}: {s:.3f}" for m, s in per_method.items())
    )
    print(f"{len(records)} selections in {elapsed:.0f} s with {args.jobs} processes")
    if args.markdown:
        args.markdown.write_text(text)
    if args.plot:
        plot(authors, args.plot, args.orders)
    if args.records:
        args.records.write_text(json.dumps(records) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
