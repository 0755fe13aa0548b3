"""Train instances on this machine: in worker processes, or in this process."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType

from robustsel.executors.base import InstanceJob, failed_result, limit_threads, train_safely
from robustsel.tasks.base import Task
from robustsel.types import InstanceResult


def available_cores() -> int:
    """CPU cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class LocalExecutor:
    """Train instances in ``workers`` local processes (or here, with ``workers=0``).

    Each worker process gets ``cores // workers`` threads (at least one) for the
    numerical libraries, so that workers x threads fit the machine. Processes
    start with the ``spawn`` method (safe with PyTorch and OpenMP) once, on
    entering the context, and serve every batch. A worker that dies (killed,
    out of memory) fails the instances it held; the pool restarts for the next.

    Parameters
    ----------
    workers : int, default=2
        Worker processes; 0 trains in this process, one instance at a time.
    cores : int, optional
        Cores to share among the workers (default: the cores this process may use).
    max_attempts : int, default=2
        Tries of an instance whose worker process died; after the last one it
        is recorded as failed. A dying worker takes every instance in flight with
        it, so the innocent ones are simply tried again.

    Examples
    --------
    >>> from robustsel.executors.base import InstanceJob
    >>> from robustsel.instances import instance_spec
    >>> from robustsel.testing import FakeTask
    >>> from robustsel.types import Model
    >>> model = Model("m", {"mean": 0.9, "spread": 0.0})
    >>> jobs = [InstanceJob(model, instance_spec(0, i)) for i in range(2)]
    >>> with LocalExecutor(workers=0) as executor:
    ...     [round(r.quality, 3) for r in executor.run(FakeTask(), jobs)]
    [0.9, 0.9]
    """

    def __init__(
        self, workers: int = 2, *, cores: int | None = None, max_attempts: int = 2
    ) -> None:
        if workers < 0:
            raise ValueError(f"workers must be >= 0; got {workers}.")
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1; got {max_attempts}.")
        self.workers = workers
        self.max_attempts = max_attempts
        self.threads = max(1, (cores or available_cores()) // max(1, workers))
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker processes; running instances are abandoned."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def run(self, task: Task, jobs: Sequence[InstanceJob]) -> Iterator[InstanceResult]:
        """Train ``jobs``; yield each result as soon as its instance finishes."""
        if self.workers == 0:
            for job in jobs:
                yield train_safely(task, job)
            return
        attempts: dict[tuple[str, int], int] = {}
        queue = list(jobs)
        pending: dict[Future[InstanceResult], InstanceJob] = {}
        while queue or pending:
            pool = self._ensure_pool()
            pending.update({pool.submit(train_safely, task, job): job for job in queue})
            queue = []
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            lost = []
            for future in done:
                job = pending.pop(future)
                try:
                    yield future.result()
                except BrokenProcessPool:
                    lost.append(job)
            if lost:
                lost += pending.values()
                pending.clear()
                self.close()
                for job in lost:
                    key = (job.model.model_id, job.spec.instance_index)
                    attempts[key] = attempts.get(key, 0) + 1
                    if attempts[key] < self.max_attempts:
                        queue.append(job)
                    else:
                        yield failed_result(job, "worker process died (killed or out of memory)")

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=limit_threads,
                initargs=(self.threads,),
            )
        return self._pool
