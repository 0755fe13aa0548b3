"""ECAL simulation benchmark: clusters per second and peak memory.

Simulates N clusters of 15 x 15 cells (datasets A and B) and prints the best and
median time of a few repeats, the clusters per second, and the peak memory: the
traced NumPy/Python allocations of one run (``tracemalloc``) and the process's
peak resident set (``resource``). The baseline, measured in the same run, is the
same physics generated one cluster at a time (no vectorization across clusters).
Then times the command line end to end, writing the ``.npz`` file.

Goal (issue 3): at least 20,000 clusters per second, 100k clusters in under 5 s,
under 1 GB for 100k.

Usage::

    .venv/bin/python bench/ecal_sim_bench.py [--n 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from robustsel.tasks.ecal import simulate
from robustsel.tasks.ecal.simulate import Calorimeter, _Chunk

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="clusters per run")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per dataset")
    parser.add_argument("--n-loop", type=int, default=2_000, help="clusters of the baseline")
    args = parser.parse_args()
    print(f"cores available: {len(os.sched_getaffinity(0))}; the simulator uses one (NumPy)")
    print("| dataset | clusters | best s | median s | clusters/s | traced peak MB |")
    print("|---|---|---|---|---|---|")
    for dataset in ("A", "B"):
        times = timed(lambda d=dataset: simulate(args.n, dataset=d, seed=0), args.repeat)
        peak = traced_peak(lambda d=dataset: simulate(args.n, dataset=d, seed=0))
        print(
            f"| {dataset} | {args.n:,} | {min(times):.2f} | {statistics.median(times):.2f} | "
            f"{args.n / min(times):,.0f} | {peak / 2**20:.0f} |"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident set of this process: {rss:.0f} MB")
    loop = min(timed(lambda: one_at_a_time(args.n_loop), 1))
    vectorized = min(timed(lambda: simulate(args.n_loop, seed=0), args.repeat))
    print(
        f"baseline, one cluster at a time: {args.n_loop / loop:,.0f} clusters/s; vectorized "
        f"{args.n_loop / vectorized:,.0f} clusters/s on the same {args.n_loop:,} "
        f"(x{loop / vectorized:.0f})"
    )
    print(f"command line, {args.n:,} clusters of dataset A written to .npz: {cli(args.n):.2f} s")


def timed(run: object, repeat: int) -> list[float]:
    """Wall seconds of ``repeat`` calls of ``run``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return times


def traced_peak(run: object) -> int:
    """Peak bytes allocated (as tracemalloc sees NumPy and Python) during ``run``."""
    tracemalloc.start()
    run()  # type: ignore[operator]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def one_at_a_time(n: int) -> None:
    """The same generator called for one cluster at a time."""
    settings = simulate(1, seed=0).settings
    calo = Calorimeter()
    rng = np.random.default_rng(0)
    for _ in range(n):
        _Chunk(rng, 1, settings, calo).images()


def cli(n: int) -> float:
    """Seconds of ``robustsel simulate ecal --n n`` in a fresh process."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(sys.executable).parent / "robustsel"
        out = Path(folder) / "a.npz"
        command = [str(script), "simulate", "ecal", "--n", str(n), "--out", str(out)]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=REPO)
        return time.perf_counter() - start


if __name__ == "__main__":
    main()
