"""Executors: where instances train (this machine's processes, or a Ray cluster)."""

from __future__ import annotations

from robustsel.executors.base import Executor, InstanceJob, failed_result, train_safely
from robustsel.executors.local import LocalExecutor, available_cores
from robustsel.executors.ray import RayExecutor

__all__ = [
    "Executor",
    "InstanceJob",
    "LocalExecutor",
    "RayExecutor",
    "available_cores",
    "failed_result",
    "train_safely",
]
