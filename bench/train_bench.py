"""Training throughput of the demo's calorimeter models, and the engine's share of a run.

1. Trains the same instances of four demo models (two instances each) with one
   worker process, then with two (the baseline and the 2-core figure, in the
   same run): instances per minute and the peak resident memory of the workers
   and of the driver.
2. Runs a reduced demo selection (``--models`` models, ``--instances`` per model)
   with two workers, then times the engine alone on the same results (the
   engine rebuilt from the store decides exactly what the run decided): the
   engine's share of the wall time.

Usage::

    .venv/bin/python bench/train_bench.py [--models 8] [--instances 4]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from robustsel.demo import demo_config
from robustsel.executors import InstanceJob, LocalExecutor
from robustsel.instances import instance_spec
from robustsel.store import Store
from robustsel.study import Study, rebuild_engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=8)
    parser.add_argument("--instances", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        throughput(Path(folder))
        engine_share(Path(folder), args.models, args.instances)
    driver = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\npeak resident memory: driver {driver:.0f} MB, largest worker {workers:.0f} MB")


def throughput(folder: Path) -> None:
    config = demo_config(folder / "throughput")
    study = Study(config)
    models = study.models[:: max(1, len(study.models) // 4)][:4]
    seed, size = config.instances.seed, config.instances.train_size
    jobs = [InstanceJob(m, instance_spec(seed, i, size)) for m in models for i in range(2)]
    print(f"## {len(jobs)} demo instances ({size} clusters, {config.training['epochs']} epochs)\n")
    print("| workers | wall s | instances/min | mean training s per instance |")
    print("|---|---|---|---|")
    for workers in (1, 2):
        with LocalExecutor(workers=workers) as executor:
            list(executor.run(study.task, jobs[:workers]))  # start the workers, warm caches
            started = time.perf_counter()
            results = list(executor.run(study.task, jobs))
            wall = time.perf_counter() - started
        mean = sum(r.cost for r in results) / len(results)
        print(f"| {workers} | {wall:.1f} | {60 * len(jobs) / wall:.1f} | {mean:.1f} |")


def engine_share(folder: Path, n_models: int, per_model: int) -> None:
    config = demo_config(folder / "share", workers=2).updated(
        space={"sample": n_models, "seed": 0}, instances={"per_model": per_model}
    )
    started = time.perf_counter()
    outcome = Study(config).run()
    wall = time.perf_counter() - started
    with Store(config.store_path, readonly=True) as store:
        began = time.perf_counter()
        engine = rebuild_engine(store, config.name)
        engine_seconds = time.perf_counter() - began
    assert engine.selected_model_ == outcome.selected_model
    print(
        f"\n## Engine share: {n_models} models x up to {per_model} instances, 2 workers\n\n"
        f"- run wall time {wall:.1f} s for {outcome.cost.instances_trained} instances, "
        f"{len(outcome.decisions)} decisions\n"
        f"- the engine alone on the same results (store reads included): "
        f"{engine_seconds * 1e3:.1f} ms, {engine_seconds / wall:.3%} of the run"
    )


if __name__ == "__main__":
    main()
