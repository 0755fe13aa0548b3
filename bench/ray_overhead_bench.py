"""Ray executor benchmark: per-instance scheduling overhead, and a study's wall time.

1. Overhead: a trivial task (the fake task, no sleep: microseconds of work) is
   run for ``--n`` instances, one batch, through the Ray executor on a local Ray
   instance with ``--workers`` CPUs, and through the local process pool with
   the same worker count (baseline, same run). Prints the wall time per instance
   of the batch (throughput) and the round trip of a batch of one instance
   (latency, median of ``--latency-repeat``). Executors are warmed up first.
2. Study: the demo calorimeter selection (``robustsel/examples/demo_ecal.yaml``)
   with the local executor and with Ray, ``--repeat`` times (the order
   alternates), at the same worker count and one thread per instance; prints
   both wall times, the instances' own training seconds summed (what the
   workers measured: wall time minus it is scheduling, start-up and idle
   cores at the step barriers), and whether the selection path and every
   stored quality are identical. By
   default a reduced demo (fewer models, instances, samples and epochs; the
   output says which); ``--full`` runs the packaged demo as is (about ten
   minutes each on two cores).

Each study run starts cold (new worker processes that import torch and
simulate the validation set). A fresh local Ray instance serves each Ray run
and stops after it, so Ray never runs beside the local executor; its start-up
(``ray.init``, printed once) is counted in neither time.

Usage::

    .venv/bin/python bench/ray_overhead_bench.py [--workers 2] [--n 200] [--repeat 2] [--full]
"""

from __future__ import annotations

import argparse
import functools
import math
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from robustsel.config import ExperimentConfig
from robustsel.demo import demo_config
from robustsel.executors import Executor, InstanceJob, LocalExecutor, RayExecutor
from robustsel.instances import instance_spec
from robustsel.store import Store
from robustsel.study import Study, StudyOutcome
from robustsel.testing import FakeTask
from robustsel.types import Model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="local workers = Ray CPUs")
    parser.add_argument("--n", type=int, default=200, help="trivial instances per batch")
    parser.add_argument("--latency-repeat", type=int, default=20, help="batches of one")
    parser.add_argument("--repeat", type=int, default=2, help="study runs per executor")
    parser.add_argument("--full", action="store_true", help="the packaged demo, not reduced")
    parser.add_argument("--models", type=int, default=8, help="reduced demo: models")
    parser.add_argument("--per-model", type=int, default=4, help="reduced demo: instances")
    parser.add_argument("--train-size", type=int, default=4000, help="reduced demo: samples")
    parser.add_argument("--epochs", type=int, default=2, help="reduced demo: epochs")
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="ray-bench-"))
    config = study_config(args, out)
    print(f"workers: {args.workers} (local processes; Ray CPUs), one thread per instance")
    print(f"study: {describe(config, full=args.full)}")

    local_overhead = overhead(LocalExecutor(workers=args.workers), args.n, args.latency_repeat)
    started = time.perf_counter()
    with RayExecutor(init_options={"num_cpus": args.workers}) as cluster:
        startup = time.perf_counter() - started
        ray_overhead = overhead(cluster, args.n, args.latency_repeat)
    print(f"\nRay start-up (local instance, ray.init): {startup:.1f} s\n")
    print(f"| trivial task, {args.n} instances | local pool | Ray |")
    print("|---|---|---|")
    print(f"| ms per instance, one batch | {local_overhead[0]:.2f} | {ray_overhead[0]:.2f} |")
    print(f"| ms round trip, batch of one | {local_overhead[1]:.2f} | {ray_overhead[1]:.2f} |")

    print(
        "\n| study run | local wall s | Ray wall s | local instance s, summed | "
        "Ray instance s, summed | instances | same path, bit for bit |"
    )
    print("|---|---|---|---|---|---|---|")
    ratios = []
    for run in range(1, args.repeat + 1):
        order = ["local", "ray"] if run % 2 else ["ray", "local"]
        timed = {
            kind: timed_study(config, kind, out / f"{kind}{run}.sqlite", args.workers)
            for kind in order
        }
        (local_seconds, local), (ray_seconds, remote) = timed["local"], timed["ray"]
        ratios.append(ray_seconds / local_seconds)
        print(
            f"| {run} ({' then '.join(order)}) | {local_seconds:.1f} | {ray_seconds:.1f} | "
            f"{instance_seconds(local):.1f} | {instance_seconds(remote):.1f} | "
            f"{local.cost.instances_trained} | {'yes' if same_path(local, remote) else 'NO'} |"
        )
    print(f"\nRay / local wall time, median of {args.repeat}: {statistics.median(ratios):.2f}")


def study_config(args: argparse.Namespace, out: Path) -> ExperimentConfig:
    """The packaged demo, reduced unless ``--full``."""
    config = demo_config(out, workers=args.workers)
    if args.full:
        return config
    return config.updated(
        space={"sample": args.models, "seed": 0},
        instances={"per_model": args.per_model, "train_size": args.train_size},
        selection={"final_instances": args.per_model, "criterion": "welch", "warmup": 2},
        training={"epochs": args.epochs},
        task_options={"n_validation": 1000},
    )


def describe(config: ExperimentConfig, *, full: bool) -> str:
    """One line: which demo, and its sizes."""
    kind = "packaged demo (full)" if full else "REDUCED demo"
    space = config.space.sample or "all 24"
    return (
        f"{kind}: {space} models, {config.instances.per_model} instances each, "
        f"{config.instances.train_size} training clusters, {config.training['epochs']} epochs, "
        f"{config.task_options['n_validation']} validation clusters, criterion "
        f"{config.selection.criterion}, warm-up {config.selection.n_warmup_instances}"
    )


def overhead(executor: Executor, n: int, repeat: int) -> tuple[float, float]:
    """Milliseconds per trivial instance in a batch of ``n``, and per batch of one."""
    with executor:
        return _overhead(executor, n, repeat)


def _overhead(executor: Executor, n: int, repeat: int) -> tuple[float, float]:
    task = FakeTask()
    jobs = [
        InstanceJob(Model(f"m{i}", {"mean": 0.5, "spread": 0.01}), instance_spec(0, i))
        for i in range(n)
    ]
    drain(executor, task, jobs[:4])  # warm-up: workers started, modules imported
    batch = best_of(functools.partial(drain, executor, task, jobs), 3)
    single = [best_of(functools.partial(drain, executor, task, [j]), 1) for j in jobs[:repeat]]
    return 1000 * batch / n, 1000 * statistics.median(single)


def drain(executor: Executor, task: FakeTask, jobs: list[InstanceJob]) -> None:
    """Run ``jobs`` and wait for every result."""
    for _ in executor.run(task, jobs):
        pass


def best_of(run: Callable[[], Any], repeat: int) -> float:
    """Best wall seconds of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def timed_study(
    config: ExperimentConfig, kind: str, store: Path, workers: int
) -> tuple[float, StudyOutcome]:
    """Wall seconds and outcome of one fresh run of the study on a new executor
    (``local`` pool, or ``ray`` on a local instance started and stopped around it,
    its start-up not timed)."""
    executor: Executor = (
        LocalExecutor(workers)
        if kind == "local"
        else RayExecutor(init_options={"num_cpus": workers})
    )
    with executor:
        started = time.perf_counter()
        outcome = Study(config.updated(store=str(store))).run(executor=executor)
        return time.perf_counter() - started, outcome


def instance_seconds(outcome: StudyOutcome) -> float:
    """Training seconds of the study's instances, as measured inside the workers."""
    return outcome.cost.time


def same_path(a: StudyOutcome, b: StudyOutcome) -> bool:
    """Same decisions (models kept at each step) and the same stored qualities."""
    if [d.kept for d in a.decisions] != [d.kept for d in b.decisions]:
        return False
    return stored(a) == stored(b)


def stored(outcome: StudyOutcome) -> dict[tuple[str, int], tuple[str, float | None]]:
    """Status and quality (None for NaN) of every finished instance in the outcome's store."""
    with Store(outcome.store_path, readonly=True) as store:
        return {
            (r.model_id, r.instance_index): (r.status, None if math.isnan(r.quality) else r.quality)
            for r in store.finished(outcome.name)
        }


if __name__ == "__main__":
    main()
