"""Cost accounting: what a selection trained, against the exhaustive search.

Every trained instance costs its training time; the reference is the exhaustive
search, which trains every instance of every model (METHOD.md, "Cost accounting").
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from robustsel.measures import Qualities


@dataclass(frozen=True)
class Cost:
    """Instances and training seconds of a selection and of the exhaustive search.

    Attributes
    ----------
    instances_trained, exhaustive_instances : int
        Instances the selection trained; instances of the exhaustive search.
    time, exhaustive_time : float
        Training seconds of both; NaN when the training times are not known.
    """

    instances_trained: int
    exhaustive_instances: int
    time: float
    exhaustive_time: float

    @property
    def instance_fraction(self) -> float:
        """Share of the exhaustive search's instances that the selection trained."""
        return self.instances_trained / self.exhaustive_instances

    @property
    def fraction(self) -> float:
        """Share of the exhaustive search's training time (of its instances when
        times are unknown)."""
        if math.isnan(self.time) or not self.exhaustive_time > 0:
            return self.instance_fraction
        return self.time / self.exhaustive_time

    def to_dict(self) -> dict[str, float]:
        """The attributes and ``fraction``, for JSON output."""
        return {**asdict(self), "fraction": self.fraction}


def cost_of(trained: npt.NDArray[np.bool_], costs: Qualities | None) -> Cost:
    """Cost of training the instances where ``trained`` is True.

    Parameters
    ----------
    trained : ndarray of bool, shape (n_models, n_instances)
        Which instances the selection trained.
    costs : ndarray, shape (n_models, n_instances), or None
        Training seconds of every instance; None when unknown.

    Examples
    --------
    >>> import numpy as np
    >>> trained = np.array([[True, True], [True, False]])
    >>> cost_of(trained, np.array([[10.0, 10.0], [20.0, 20.0]])).fraction
    0.6666666666666666
    """
    if costs is None:
        return Cost(int(trained.sum()), trained.size, math.nan, math.nan)
    return Cost(
        instances_trained=int(trained.sum()),
        exhaustive_instances=trained.size,
        time=float(np.nansum(costs[trained])),
        exhaustive_time=float(np.nansum(costs)),
    )
