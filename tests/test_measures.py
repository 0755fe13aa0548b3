from __future__ import annotations

import numpy as np
import pytest

from robustsel.measures import MEASURES, measure_direction, robustness

Q = np.array([[1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 2.0, 10.0]])


@pytest.mark.parametrize(
    ("measure", "direction", "expected"),
    [
        ("mean", "minimize", [2.5, 4.0]),
        ("median", "minimize", [2.5, 2.0]),
        ("q1", "minimize", [1.75, 2.0]),
        ("q3", "minimize", [3.25, 4.0]),
        ("q3_iqr", "minimize", [3.25 + 1.5, 4.0 + 2.0]),
        ("q3_iqr", "maximize", [1.75 - 1.5, 2.0 - 2.0]),
        ("min", "maximize", [1.0, 2.0]),
        ("max", "minimize", [4.0, 10.0]),
        ("std", "minimize", [np.std([1, 2, 3, 4], ddof=1), np.std([2, 2, 2, 10], ddof=1)]),
        ("iqr", "maximize", [1.5, 2.0]),
    ],
)
def test_measure_values(measure: str, direction: str, expected: list[float]) -> None:
    np.testing.assert_allclose(robustness(Q, measure, direction=direction), expected)


@pytest.mark.parametrize("measure", MEASURES)
def test_missing_instances_are_ignored(measure: str) -> None:
    padded = np.hstack([Q, np.full((2, 3), np.nan)])
    np.testing.assert_allclose(
        robustness(padded, measure, direction="minimize"),
        robustness(Q, measure, direction="minimize"),
    )


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_diverged_instance_is_the_worst_value(measure: str, direction: str) -> None:
    worst = np.inf if direction == "minimize" else -np.inf
    q = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, worst]])
    values = robustness(q, measure, direction=direction)
    better = measure_direction(measure, direction)
    assert not np.isnan(values).any()
    if better == "minimize":
        assert values[1] >= values[0]
    else:
        assert values[1] <= values[0]


def test_model_without_instances_is_nan() -> None:
    values = robustness([[np.nan, np.nan], [1.0, 2.0]], "mean")
    assert np.isnan(values[0]) and values[1] == 1.5


def test_width_measures_are_minimized_whatever_the_direction() -> None:
    assert measure_direction("iqr", "maximize") == "minimize"
    assert measure_direction("q1", "maximize") == "maximize"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"measure": "avg"}, "measure must be one of mean, median"),
        ({"measure": "mean", "direction": "up"}, "direction must be 'minimize' or 'maximize'"),
    ],
)
def test_bad_arguments(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        robustness(Q, **kwargs)  # type: ignore[arg-type]
