"""Helpers for tests and benchmarks: generated tables and a fake task whose truth is known."""

from __future__ import annotations

import math
import os
import time
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from robustsel.instances import InstanceSpec
from robustsel.table import RecordedResults
from robustsel.types import Direction, InstanceResult, InstanceStatus, Model


def synthetic_results(
    means: Sequence[float] | npt.NDArray[np.float64],
    spreads: float | Sequence[float] | npt.NDArray[np.float64],
    n_instances: int,
    *,
    seed: int = 0,
    metric: str = "ValAccuracy",
    seconds: float | Sequence[float] | npt.NDArray[np.float64] = 1.0,
    collapse_rate: float = 0.0,
    collapse_value: float = 0.1,
) -> RecordedResults:
    """A recorded table of Gaussian instance qualities with set means and spreads.

    Parameters
    ----------
    means, spreads : array_like
        True mean and standard deviation of each model's instance quality.
    n_instances : int
        Instances per model.
    seed : int
        Seed of the draws.
    metric : str
        Name of the quality.
    seconds : float or array_like
        Training seconds of each model's instances.
    collapse_rate : float
        Probability that an instance collapses to ``collapse_value`` (a training
        run that failed to learn).

    Examples
    --------
    >>> synthetic_results([0.9, 0.8], 0.01, 3).qualities.shape
    (2, 3)
    """
    rng = np.random.default_rng(seed)
    mu = np.asarray(means, dtype=np.float64)
    sigma = np.broadcast_to(np.asarray(spreads, dtype=np.float64), mu.shape)
    qualities = rng.normal(mu[:, None], sigma[:, None], size=(len(mu), n_instances))
    collapsed = rng.random(qualities.shape) < collapse_rate
    qualities = np.where(collapsed, collapse_value, qualities)
    costs = np.broadcast_to(np.asarray(seconds, dtype=np.float64), mu.shape)
    ids = pd.Index([f"m{i}" for i in range(len(mu))], name="model")
    models = pd.DataFrame({"true_mean": mu, "true_spread": sigma}, index=ids)
    return RecordedResults(
        metric=metric,
        models=models,
        qualities=qualities,
        costs=np.repeat(costs[:, None], n_instances, axis=1),
        instance_labels=tuple(range(1, n_instances + 1)),
    )


class FakeTask:
    """A task whose instances "train" instantly, drawing qualities from known laws.

    A model's configuration sets its truth: ``mean`` and ``spread`` of a Gaussian
    quality. Instance i adds a component shared by every model (``shared`` times
    a standard normal drawn from the instance's sample seed: common random
    numbers, as live runs have) to a model-specific one. Optional keys:
    ``seconds`` (sleep, to look like training), ``fail`` (list of instance
    indices that raise), ``diverge`` (indices that return NaN) and ``crash``
    (indices whose worker process exits abruptly on the first attempt; needs
    ``marker_dir``).

    Examples
    --------
    >>> from robustsel.instances import instance_spec
    >>> from robustsel.types import Model
    >>> task = FakeTask()
    >>> r = task.train(Model("a", {"mean": 0.5, "spread": 0.0}), instance_spec(0, 0))
    >>> round(r.quality, 6), r.status
    (0.5, 'ok')
    """

    name = "fake"
    quality = "score"
    direction: Direction = "maximize"

    def __init__(self, *, shared: float = 0.0, marker_dir: str | None = None) -> None:
        self.shared = shared
        self.marker_dir = marker_dir

    def check_model(self, params: Mapping[str, Any]) -> None:
        """Require ``mean`` and ``spread`` (>= 0)."""
        missing = {"mean", "spread"} - set(params)
        if missing:
            raise ValueError(f"fake models need mean and spread; missing {sorted(missing)}.")
        if float(params["spread"]) < 0:
            raise ValueError(f"spread must be >= 0; got {params['spread']}.")

    def train(self, model: Model, spec: InstanceSpec) -> InstanceResult:
        """Draw the instance's quality; sleep, fail, diverge or crash on request."""
        params = model.params
        index = spec.instance_index
        if index in params.get("crash", ()) and self._first_attempt(model.model_id, index):
            os._exit(3)
        time.sleep(float(params.get("seconds", 0.0)))
        if index in params.get("fail", ()):
            raise RuntimeError(f"instance {index} of {model.model_id} failed on purpose")
        own = np.random.default_rng([spec.init_seed, zlib.crc32(model.model_id.encode())])
        common = np.random.default_rng(spec.sample_seed).standard_normal()
        quality = float(params["mean"]) + self.shared * common
        quality += float(params["spread"]) * own.standard_normal()
        if index in params.get("diverge", ()):
            quality = math.nan
        status: InstanceStatus = "ok" if math.isfinite(quality) else "diverged"
        seconds = float(params.get("seconds", 0.0))
        return InstanceResult(
            model.model_id, index, quality, seconds, status, {self.quality: quality}
        )

    def _first_attempt(self, model_id: str, index: int) -> bool:
        if self.marker_dir is None:
            raise ValueError("FakeTask needs marker_dir to crash only on the first attempt.")
        marker = Path(self.marker_dir) / f"{model_id}-{index}.crashed"
        if marker.exists():
            return False
        marker.touch()
        return True


def fake_task(training: Mapping[str, Any] | None = None, **options: Any) -> FakeTask:
    """Factory of :class:`FakeTask` for configs: ``task: robustsel.testing:fake_task``."""
    return FakeTask(**options)
