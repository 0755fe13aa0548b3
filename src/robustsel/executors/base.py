"""The executor protocol: where instances train.

An executor receives a task and a batch of :class:`InstanceJob` and yields each
:class:`~robustsel.types.InstanceResult` the moment its instance finishes, in
any order. It never decides anything and never writes the store: the study does
both with what it yields. Exceptions raised by a task become ``failed`` results
(:func:`train_safely`), so one broken instance never stops a study.
"""

from __future__ import annotations

import math
import os
import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

from robustsel.instances import InstanceSpec
from robustsel.tasks.base import Task
from robustsel.types import InstanceResult, Model


@dataclass(frozen=True)
class InstanceJob:
    """One instance to train: the model and the instance's seeds."""

    model: Model
    spec: InstanceSpec


class Executor(Protocol):
    """Trains instances somewhere and yields their results as they finish.

    Use as a context manager: workers start on entry and stop on exit.
    """

    def run(self, task: Task, jobs: Sequence[InstanceJob]) -> Iterator[InstanceResult]:
        """Train every job; yield each result as soon as it exists."""
        ...

    def __enter__(self) -> Executor: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None: ...


THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def limit_threads(threads: int) -> None:
    """Cap the numerical libraries' threads in this (worker) process.

    Sets the OpenMP/MKL/OpenBLAS variables, read when torch loads, and torch's
    own setting when it is loaded already (a reused worker).
    """
    for variable in THREAD_VARIABLES:
        os.environ[variable] = str(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def train_safely(task: Task, job: InstanceJob) -> InstanceResult:
    """Train one instance; an exception becomes a ``failed`` result with its error.

    Examples
    --------
    >>> from robustsel.instances import instance_spec
    >>> class Broken:
    ...     def train(self, model, spec):
    ...         raise RuntimeError("CUDA out of memory")
    >>> result = train_safely(Broken(), InstanceJob(Model("m"), instance_spec(0, 3)))
    >>> result.status, result.instance_index, result.error
    ('failed', 3, 'RuntimeError: CUDA out of memory')
    """
    started = time.perf_counter()
    try:
        return task.train(job.model, job.spec)
    except Exception as error:
        return failed_result(job, error, seconds=time.perf_counter() - started)


def failed_result(
    job: InstanceJob, error: BaseException | str, *, seconds: float = math.nan
) -> InstanceResult:
    """A ``failed`` result for ``job`` carrying the error's last line (full text in ``metrics``-free
    ``error``)."""
    if isinstance(error, BaseException):
        text = "".join(traceback.format_exception_only(type(error), error)).strip()
    else:
        text = error
    return InstanceResult(
        model_id=job.model.model_id,
        instance_index=job.spec.instance_index,
        quality=math.nan,
        cost=seconds,
        status="failed",
        error=text,
    )
