"""Replay benchmark on the method authors' recorded CIFAR-10 results.

For every ``dt_len`` (ResNet and CCT rows together, as in the authors' paths),
every criterion and a few warm-ups, replays N random instance orders and prints
the mean cost fraction, the hit rate (selected model inside the exhaustive best
set: Welch at 0.05 with all instances, the same set for every rule) and the
regret in accuracy points. Then times one replay in Python, one CLI call, and
one engine step over 10,000 models x 50 instances against a per-model loop of
1-D SciPy calls (the hand-written racing loop's way).

Usage::

    .venv/bin/python bench/replay_bench.py [--data DIR] [--orders 100] [--timings-only]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

from robustsel.criteria import SelectionCriterion, Welch, make_criterion
from robustsel.engine import SelectionEngine
from robustsel.replay import exhaustive_search, random_order, replay
from robustsel.table import read_results
from robustsel.types import InstanceResult

REPO = Path(__file__).resolve().parents[1]
RULES: list[tuple[str, dict[str, float], list[int]]] = [
    ("halving", {}, [1, 2, 3]),
    ("quantile", {"fraction": 0.25}, [1, 2]),
    ("welch", {"alpha": 0.05}, [2, 3]),
    ("mannwhitney", {"alpha": 0.05}, [2, 3]),
    ("ks", {"alpha": 0.05}, [2, 3]),
    ("bartlett", {"alpha": 0.05}, [2, 3]),
    ("levene", {"alpha": 0.05}, [2, 3]),
    ("fligner", {"alpha": 0.05}, [2, 3]),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared/data/authors-cifar10")
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--timings-only", action="store_true", help="skip the quality table")
    args = parser.parse_args()
    files = [args.data / "resnet_540_models_val_only.csv", args.data / "cct_64_models_val_only.csv"]
    if not files[0].is_file():
        sys.exit(f"the authors' data is absent from {args.data}: give --data DIR")
    if not args.timings_only:
        quality_table(files, args.orders)
    timings(files)


def quality_table(files: list[Path], n_orders: int) -> None:
    print(f"## {n_orders} random orders per dt_len; best set: Welch 0.05 on all instances\n")
    print(
        "| criterion | k | dt_len | cost fraction | hit rate | mean regret (pts) "
        "| worst regret (pts) |"
    )
    print("|---|---|---|---|---|---|---|")
    for dt_len in (10000, 20000, 30000):
        table = read_results(files, "ValAccuracy", where=f"dt_len == {dt_len}")
        exhaustive = exhaustive_search(table, Welch(alpha=0.05), direction="maximize")
        for name, params, warmups in RULES:
            for k in warmups:
                row = _score(table, make_criterion(name, **params), k, exhaustive, n_orders)
                print(f"| {name} | {k} | {dt_len} | " + " | ".join(row) + " |")


def _score(table, criterion, k, exhaustive, n_orders) -> list[str]:  # type: ignore[no-untyped-def]
    fractions, hits, regrets = [], [], []
    for seed in range(n_orders):
        run = replay(
            table,
            criterion,
            n_warmup_instances=k,
            instance_order=random_order(table, seed),
            exhaustive=exhaustive,
        )
        fractions.append(run.cost.fraction)
        hits.append(run.in_best_set)
        regrets.append(100 * run.regret)
    return [
        f"{np.mean(fractions):.3f}",
        f"{np.mean(hits):.2f}",
        f"{np.mean(regrets):.3f}",
        f"{np.max(regrets):.3f}",
    ]


def timings(files: list[Path]) -> None:
    table = read_results(files, "ValAccuracy", where="dt_len == 30000")
    print("\n## Wall time\n")
    for name in ("welch", "ks", "halving"):
        criterion = make_criterion(name)
        exhaustive = exhaustive_search(table, criterion, direction="maximize")
        seconds = _median_seconds(lambda c=criterion, e=exhaustive: replay(table, c, exhaustive=e))
        full = _median_seconds(lambda c=criterion: replay(table, c))
        print(
            f"- one replay of {table.qualities.shape[0]} x {table.n_instances}, {name}: "
            f"{seconds * 1e3:.1f} ms ({full * 1e3:.1f} ms with the exhaustive comparison)"
        )
    command = [
        str(Path(sys.executable).parent / "robustsel"),
        "replay",
        *map(str, files),
        "--where",
        "dt_len == 30000",
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    print(
        f"- whole CLI call `robustsel replay ... --where 'dt_len == 30000'`: "
        f"{time.perf_counter() - started:.2f} s"
    )
    engine_step()


def engine_step(n_models: int = 10_000, n_instances: int = 50) -> None:
    rng = np.random.default_rng(0)
    q = rng.normal(0.9, 0.01, size=(n_models, n_instances)) + rng.normal(0, 0.01, (n_models, 1))
    print(f"\n## One engine step over {n_models:,} models x {n_instances} instances\n")
    print("| criterion | eliminate (s) | tell + decide, whole step (s) |")
    print("|---|---|---|")
    for name in (
        "halving",
        "welch",
        "mannwhitney",
        "ks",
        "bartlett",
        "levene",
        "fligner",
        "wilcoxon",
    ):
        criterion = make_criterion(name)
        seconds = _median_seconds(
            lambda c=criterion: c.eliminate(q, direction="maximize", step=n_instances), repeat=3
        )
        print(f"| {name} | {seconds:.3f} | {_whole_step(criterion, q):.3f} |")
    started = time.perf_counter()
    reference = q[int(np.argmax(q.mean(axis=1)))]
    for row in q:
        stats.ttest_ind(reference, row, equal_var=False)
    print(
        f"\nBaseline, a loop of 1-D `scipy.stats.ttest_ind` calls over the models: "
        f"{time.perf_counter() - started:.3f} s"
    )


def _whole_step(criterion: SelectionCriterion, q: np.ndarray) -> float:
    n_models, n_instances = q.shape
    ids = [f"m{i}" for i in range(n_models)]
    engine = SelectionEngine(
        ids, criterion, n_instances=n_instances + 1, n_warmup_instances=n_instances
    )
    for _ in range(n_instances - 1):
        batch = engine.ask()
        engine.tell(
            InstanceResult(i.model_id, i.instance_index, q[int(i.model_id[1:]), i.instance_index])
            for i in batch
        )
    batch = engine.ask()
    started = time.perf_counter()
    engine.tell(
        InstanceResult(i.model_id, i.instance_index, q[int(i.model_id[1:]), i.instance_index])
        for i in batch
    )
    return time.perf_counter() - started


def _median_seconds(call, repeat: int = 7) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


if __name__ == "__main__":
    main()
