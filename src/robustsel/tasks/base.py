"""The task protocol: what a model is and how one instance of it trains.

A task turns a model configuration into a trained instance. robustsel's executors
call :meth:`Task.train` in worker processes (or Ray workers), so a task must be
picklable and cheap to pickle: load or generate data lazily inside the worker,
never in ``__init__``.

A user task is any object with these members, built by a factory named in the
experiment config as ``module:function`` (the function receives the config's
``task_options`` as keyword arguments).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from robustsel.instances import InstanceSpec
from robustsel.types import Direction, InstanceResult, Model


@runtime_checkable
class Task(Protocol):
    """One kind of training problem.

    Attributes
    ----------
    name : str
        Short name (``ecal-energy``, ``cifar10``, ...).
    quality : str
        The metric used as instance quality (``rmse_e_over_e``, ``accuracy``, ...).
    direction : {"minimize", "maximize"}
        Whether a smaller or a larger quality is better.
    """

    name: str
    quality: str
    direction: Direction

    def check_model(self, params: Mapping[str, Any]) -> None:
        """Raise ``ValueError`` naming the problem when ``params`` is not a valid model
        of this task (unknown key, parameter limit exceeded, ...)."""

    def train(self, model: Model, spec: InstanceSpec) -> InstanceResult:
        """Train one instance of ``model`` with the seeds of ``spec``.

        Returns the instance's metrics, its quality and its training seconds. A
        run that produces NaN/inf returns status ``"diverged"``; exceptions are
        left to the executor, which records them as ``"failed"``.
        """
        ...
