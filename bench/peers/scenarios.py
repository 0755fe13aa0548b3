"""Generated tables whose truth is known: set means, spreads and collapsed instances.

Each scenario draws, from its seed, the true mean and standard deviation of
every model's accuracy, the training seconds of its instances (log-normal, as
model sizes differ) and a rate at which an instance collapses to accuracy 0.1
(a run that did not learn); :func:`robustsel.testing.synthetic_results` then
draws 20 instances per model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from robustsel.table import RecordedResults
from robustsel.testing import synthetic_results

N_INSTANCES = 20
Truth = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], float]


@dataclass(frozen=True)
class Scenario:
    """A family of generated tables.

    Attributes
    ----------
    name, description : str
        Short name and one line on what it tests.
    truth : callable
        ``truth(rng) -> (means, spreads, collapse_rate)``.
    """

    name: str
    description: str
    truth: Callable[[np.random.Generator], Truth]

    def table(self, seed: int) -> tuple[RecordedResults, npt.NDArray[np.float64]]:
        """The table of ``seed`` and its models' true mean qualities."""
        rng = np.random.default_rng(10_000 + seed)
        means, spreads, collapse_rate = self.truth(rng)
        seconds = rng.lognormal(0.0, 0.5, len(means))
        table = synthetic_results(
            means, spreads, N_INSTANCES, seed=seed, seconds=seconds, collapse_rate=collapse_rate
        )
        return table, means


def _spread_out(rng: np.random.Generator) -> Truth:
    return rng.uniform(0.78, 0.86, 300), rng.uniform(0.002, 0.008, 300), 0.005


def _close(rng: np.random.Generator) -> Truth:
    return 0.85 - 0.0005 * np.arange(60.0), np.full(60, 0.005), 0.01


def _lucky_or_robust(rng: np.random.Generator) -> Truth:
    means, spreads = rng.uniform(0.80, 0.85, 100), rng.uniform(0.003, 0.006, 100)
    means[:3], spreads[:3] = 0.852, 0.02  # best on average, wide
    means[3], spreads[3] = 0.851, 0.002  # a tenth of a point lower, narrow
    return means, spreads, 0.0


def _few(rng: np.random.Generator) -> Truth:
    return rng.uniform(0.80, 0.86, 12), np.full(12, 0.005), 0.0


def _collapsing(rng: np.random.Generator) -> Truth:
    return rng.uniform(0.80, 0.86, 100), rng.uniform(0.003, 0.006, 100), 0.05


def _noisy(rng: np.random.Generator) -> Truth:
    return rng.uniform(0.83, 0.85, 200), rng.uniform(0.005, 0.01, 200), 0.01


SCENARIOS = {
    s.name: s
    for s in (
        Scenario(
            "spread-out", "300 models, means 78-86%, sd 0.2-0.8 pt, 0.5% collapses", _spread_out
        ),
        Scenario("close", "60 models 0.05 pt apart, sd 0.5 pt, 1% collapses", _close),
        Scenario(
            "lucky-or-robust",
            "3 wide (sd 2 pt) best models, 1 narrow 0.1 pt below",
            _lucky_or_robust,
        ),
        Scenario("few", "12 models, means 80-86%, sd 0.5 pt", _few),
        Scenario("collapsing", "100 models, means 80-86%, 5% collapses", _collapsing),
        Scenario("noisy", "200 models within 2 pt, sd 0.5-1 pt, 1% collapses", _noisy),
    )
}
