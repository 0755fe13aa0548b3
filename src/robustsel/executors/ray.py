"""Train instances as Ray tasks, on a local Ray instance or a cluster.

Each instance is one Ray task with declared resources (CPUs, GPUs); Ray places
it on any node with room, so the instances of a step run concurrently up to
the cluster's capacity. The task object is put in the object store once per
batch and every Ray task receives a reference to it: nothing is pickled once
per instance, and a task that simulates its data from seeds (the calorimeter
task) regenerates it on the worker. Results travel back to the driver, which
alone writes the store: a cluster needs no shared database or filesystem.

Ray is an optional dependency (``pip install 'robustsel[ray]'``), imported when
a :class:`RayExecutor` is created, never by ``import robustsel.executors``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any

from robustsel.executors.base import InstanceJob, failed_result, limit_threads, train_safely
from robustsel.tasks.base import Task
from robustsel.types import InstanceResult

MISSING_RAY = "executor kind 'ray' needs Ray: pip install 'robustsel[ray]'."
LOCAL_INIT_OPTIONS: dict[str, Any] = {
    "include_dashboard": False,
    "log_to_driver": False,
    "configure_logging": False,
}
"""``ray.init`` options of a local instance (no dashboard, worker output kept in Ray's logs)."""


class RayExecutor:
    """Train instances as Ray tasks; yield each result the moment it finishes.

    On entry, connects to the Ray cluster at ``address``, or starts a local Ray
    instance when ``address`` is None (unless this process is already connected
    to Ray, which is then used as is). On exit, shuts down only what it started.
    Entering again nests (:meth:`robustsel.study.Study.run` enters the executor
    it is given): Ray stays up until the outermost ``with`` ends.

    Parameters
    ----------
    address : str, optional
        Address of a running cluster (``ray start --head`` prints it), or
        ``"auto"`` (the cluster ``ray start`` runs on this machine); None
        starts a new local Ray instance, even where a cluster is running.
    num_cpus_per_instance : float, default=1.0
        CPUs each instance reserves; also its threads for the numerical
        libraries (at least one).
    num_gpus_per_instance : float, default=0.0
        GPUs each instance reserves (fractions share a GPU).
    max_retries : int, default=2
        Retries of an instance whose worker process died (killed, out of
        memory, its node lost); Ray resubmits it. After the last one the
        instance is recorded as failed with Ray's error. An exception raised
        by the task itself is not retried: it is a failed result at once.
    init_options : Mapping, optional
        Extra ``ray.init`` keywords (``num_cpus`` of a local instance,
        ``runtime_env`` ...); they override :data:`LOCAL_INIT_OPTIONS`.

    Raises
    ------
    ValueError
        Ray is not installed, or an argument is out of range (on creation); no
        node of the cluster has the resources of one instance, or the cluster
        at ``address`` cannot be reached (on entry).

    Notes
    -----
    The step barrier of Algorithm 1 (Boldyrev et al., 2025) stays with the
    driver: :func:`robustsel.study.run_selection` submits a step's instances in
    one :meth:`run` call and the next step's as soon as the decision is made.
    A driver killed mid-run leaves committed results in the store; ``robustsel
    run --resume`` trains only the missing instances.

    Examples
    --------
    >>> from robustsel.executors.base import InstanceJob
    >>> from robustsel.instances import instance_spec
    >>> from robustsel.testing import FakeTask
    >>> from robustsel.types import Model
    >>> model = Model("m", {"mean": 0.9, "spread": 0.0})
    >>> jobs = [InstanceJob(model, instance_spec(0, i)) for i in range(2)]
    >>> with RayExecutor(init_options={"num_cpus": 2}) as executor:  # doctest: +SKIP
    ...     sorted(round(r.quality, 3) for r in executor.run(FakeTask(), jobs))
    [0.9, 0.9]
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        num_cpus_per_instance: float = 1.0,
        num_gpus_per_instance: float = 0.0,
        max_retries: int = 2,
        init_options: Mapping[str, Any] | None = None,
    ) -> None:
        if not num_cpus_per_instance > 0:
            raise ValueError(f"num_cpus_per_instance must be > 0; got {num_cpus_per_instance}.")
        if not num_gpus_per_instance >= 0:
            raise ValueError(f"num_gpus_per_instance must be >= 0; got {num_gpus_per_instance}.")
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0; got {max_retries}.")
        self._ray = _import_ray()
        self.address = address
        self.num_cpus_per_instance = num_cpus_per_instance
        self.num_gpus_per_instance = num_gpus_per_instance
        self.max_retries = max_retries
        self.init_options = {**LOCAL_INIT_OPTIONS, **(init_options or {})}
        self.threads = max(1, math.floor(num_cpus_per_instance))
        self._started = False
        self._depth = 0
        self._remote: Any = None

    def __enter__(self) -> RayExecutor:
        if self._depth == 0:
            self._connect()
        self._depth += 1
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth == 0:
            self.close()

    def close(self) -> None:
        """Shut down the local Ray instance if this executor started it."""
        if self._started:
            self._ray.shutdown()
            self._started = False
        self._remote = None
        self._depth = 0

    def _connect(self) -> None:
        if not self._ray.is_initialized():
            self._init()
            self._started = True
        try:
            self._check_fits()
        except ValueError:
            self.close()
            raise
        self._remote = self._ray.remote(_train_in_worker).options(
            num_cpus=self.num_cpus_per_instance,
            num_gpus=self.num_gpus_per_instance,
            max_retries=self.max_retries,
            retry_exceptions=False,
        )

    def _init(self) -> None:
        """``ray.init``; a cluster that cannot be reached is a one-line ``ValueError``."""
        try:
            self._ray.init(address=self.address or "local", **self.init_options)
        except (ConnectionError, RuntimeError) as error:
            if self.address is None:
                raise
            raise ValueError(
                f"cannot connect to the Ray cluster at {self.address!r} "
                f"({type(error).__name__}); give the address `ray start --head` printed, and "
                "set RAY_AUTH_MODE=token if the cluster uses token authentication."
            ) from error

    def _check_fits(self) -> None:
        """Refuse resources that no node has (Ray would wait for such a node forever)."""
        nodes: list[dict[str, float]] = [n["Resources"] for n in self._ray.nodes() if n["Alive"]]
        cpus, gpus = self.num_cpus_per_instance, self.num_gpus_per_instance
        if not any(n.get("CPU", 0) >= cpus and n.get("GPU", 0) >= gpus for n in nodes):
            largest: dict[str, float] = max(
                nodes, key=lambda n: (n.get("GPU", 0), n.get("CPU", 0)), default={}
            )
            raise ValueError(
                f"no Ray node has {cpus:g} CPUs and {gpus:g} GPUs for one instance (largest: "
                f"{largest.get('CPU', 0):g} CPUs, {largest.get('GPU', 0):g} GPUs); lower "
                "num_cpus_per_instance/num_gpus_per_instance or add a bigger node."
            )

    def run(self, task: Task, jobs: Sequence[InstanceJob]) -> Iterator[InstanceResult]:
        """Submit every job as a Ray task; yield each result as soon as it finishes.

        Leaving the iteration early (an error in the driver) cancels the Ray
        tasks not finished yet.
        """
        if not jobs:
            return
        if self._remote is None:
            raise RuntimeError("RayExecutor.run needs the executor entered: use `with`.")
        ray = self._ray
        shared = ray.put(task)
        pending = {self._remote.remote(shared, job, self.threads): job for job in jobs}
        try:
            while pending:
                (ready,), _ = ray.wait(list(pending), num_returns=1)
                yield self._result(ready, pending.pop(ready))
        finally:
            for ref in pending:
                ray.cancel(ref)

    def _result(self, ref: Any, job: InstanceJob) -> InstanceResult:
        """The result behind a finished Ray task, or a failed one with Ray's error."""
        from ray.exceptions import RayError, RayTaskError, WorkerCrashedError

        try:
            result: InstanceResult = self._ray.get(ref)
        except WorkerCrashedError:
            attempts = self.max_retries + 1
            return failed_result(
                job, f"worker process died (killed or out of memory) on {attempts} attempts"
            )
        except RayTaskError as error:
            return failed_result(job, _lines(error)[-1])
        except RayError as error:
            return failed_result(job, f"{type(error).__name__}: {_lines(error)[0]}")
        return result


def _import_ray() -> Any:
    """The ``ray`` module.

    Raises
    ------
    ValueError
        Ray is not installed (the message names the extra to install).
    """
    try:
        import ray
    except ImportError:
        raise ValueError(MISSING_RAY) from None
    return ray


def _train_in_worker(task: Task, job: InstanceJob, threads: int) -> InstanceResult:
    """Body of the Ray task: cap the numerical libraries' threads, then train."""
    limit_threads(threads)
    return train_safely(task, job)


def _lines(error: BaseException) -> list[str]:
    """The non-blank lines of a Ray error's message, colour codes removed.

    A task's own exception ends the traceback that a ``RayTaskError`` carries
    (``ModuleNotFoundError: No module named ...`` when a worker cannot import
    the task); other Ray errors say what happened on their first line.
    """
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error))
    return [line.strip() for line in text.splitlines() if line.strip()] or [type(error).__name__]
