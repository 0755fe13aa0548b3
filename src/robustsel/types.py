"""Value objects shared by every layer: models, instances and their results.

The vocabulary is that of Boldyrev et al. (2025): a *model* is one fixed
configuration, an *instance* is one training run of it, and an instance's
*quality* is its validation metric or loss.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Direction = Literal["minimize", "maximize"]
InstanceStatus = Literal["ok", "diverged", "failed"]

DIRECTIONS: tuple[Direction, ...] = ("minimize", "maximize")


@dataclass(frozen=True)
class Model:
    """One configuration of the search space.

    Parameters
    ----------
    model_id : str
        Stable identifier (a hash of the configuration for generated spaces, the
        ``model`` column of a recorded table).
    params : Mapping[str, Any]
        The configuration: architecture and training hyperparameters.
    """

    model_id: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Instance:
    """One training run to perform: instance ``instance_index`` of a model.

    Instance ``i`` of every model shares the same derived seeds (training sample,
    data order, initialization), so comparisons between models are paired.
    """

    model_id: str
    instance_index: int


@dataclass(frozen=True)
class InstanceResult:
    """What one trained instance produced.

    Parameters
    ----------
    model_id, instance_index
        The instance this result belongs to.
    quality : float
        The instance quality (validation metric or loss). A non-finite value, or a
        status other than ``"ok"``, marks a diverged or failed instance, which the
        engine counts as the worst possible value.
    cost : float
        Training time in seconds; NaN when unknown.
    status : {"ok", "diverged", "failed"}
        ``"diverged"``: training produced NaN/inf; ``"failed"``: training raised.
    metrics : Mapping[str, float]
        Every metric the task measured, the quality among them.
    error : str or None
        The error text of a failed instance.
    """

    model_id: str
    instance_index: int
    quality: float
    cost: float = math.nan
    status: InstanceStatus = "ok"
    metrics: Mapping[str, float] = field(default_factory=dict)
    error: str | None = None

    @property
    def is_valid(self) -> bool:
        """True when the instance trained and its quality is a finite number."""
        return self.status == "ok" and math.isfinite(self.quality)
