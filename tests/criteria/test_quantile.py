from __future__ import annotations

import numpy as np
import pytest

from robustsel.criteria import Halving, Quantile

MEANS = np.array([[0.5], [0.1], [0.4], [0.2], [0.3]])


def _spread(means: np.ndarray) -> np.ndarray:
    return means + np.array([[-0.01, 0.0, 0.01]])


@pytest.mark.parametrize(
    ("criterion", "direction", "kept"),
    [
        (Halving(), "maximize", [0, 2, 4]),
        (Halving(), "minimize", [1, 3, 4]),
        (Halving(factor=3), "maximize", [0, 2]),
        (Quantile(fraction=0.2), "maximize", [0]),
        (Quantile(fraction=0.6, measure="min"), "minimize", [1, 3, 4]),
    ],
)
def test_keeps_the_best_fraction(criterion: Quantile, direction: str, kept: list[int]) -> None:
    decision = criterion.eliminate(_spread(MEANS), direction=direction, step=3)  # type: ignore[arg-type]
    assert np.flatnonzero(decision.keep).tolist() == kept


def test_ties_keep_every_tied_model() -> None:
    q = np.ones((4, 3))
    decision = Halving().eliminate(q, direction="maximize", step=3)
    assert decision.keep.all()


def test_width_measure_prefers_the_narrow_model() -> None:
    q = np.array([[0.9, 0.9, 0.9], [0.5, 0.9, 1.3]])
    decision = Halving(measure="std").eliminate(q, direction="maximize", step=3)
    assert decision.keep.tolist() == [True, False] and decision.best == 0


def test_diverged_model_goes_first() -> None:
    q = np.array([[0.9, 0.9], [0.95, -np.inf], [0.8, 0.8]])
    assert Halving().eliminate(q, direction="maximize", step=2).keep.tolist() == [True, False, True]


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: Quantile(fraction=0.0), r"fraction must be in \(0, 1\); got 0.0."),
        (lambda: Quantile(fraction=1.5), r"fraction must be in \(0, 1\); got 1.5."),
        (lambda: Halving(factor=1.0), r"factor must be > 1; got 1.0."),
        (lambda: Halving(measure="avg"), "measure must be one of"),
    ],
)
def test_bad_parameters(factory, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        factory()
