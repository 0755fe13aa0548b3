from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from robustsel.criteria import Halving, Welch
from robustsel.engine import SelectionEngine
from robustsel.replay import replay
from robustsel.report import ReportData
from robustsel.table import RecordedResults
from robustsel.testing import synthetic_results


def test_replay_instances_follow_the_decisions(synthetic_data: ReportData) -> None:
    removed = synthetic_data.removed_at
    n_trained = dict(zip(synthetic_data.model_ids, synthetic_data.n_trained, strict=True))
    assert removed and all(n_trained[m] == step for m, step in removed.items())
    n_steps = len(synthetic_data.n_models_per_step)
    assert all(n_trained[m] == n_steps for m in synthetic_data.remaining_models)
    assert int(synthetic_data.n_trained.sum()) == synthetic_data.cost.instances_trained


def test_replay_qualities_are_in_training_order(
    synthetic_table: RecordedResults, synthetic_data: ReportData
) -> None:
    first, second = 3, 7  # the first two labels of the order replayed
    np.testing.assert_array_equal(
        synthetic_data.qualities[:, 0], synthetic_table.qualities[:, first - 1]
    )
    np.testing.assert_array_equal(
        synthetic_data.qualities[:, 1], synthetic_table.qualities[:, second - 1]
    )


def test_step_costs_add_up_to_the_decisions(synthetic_data: ReportData) -> None:
    cumulative = np.cumsum(synthetic_data.step_costs())
    for decision in synthetic_data.decisions:
        assert cumulative[decision.step - 1] == pytest.approx(decision.cumulative_cost)
    assert cumulative[-1] == pytest.approx(synthetic_data.cost.time)


def test_final_instances_of_the_selected_model() -> None:
    table = synthetic_results([0.9, 0.8, 0.7], 0.01, 8)
    data = ReportData.from_replay(replay(table, Welch(), n_final_instances=6), table)
    assert data.n_trained.tolist() == [6, 2, 2]
    assert data.n_steps == 6 and list(data.n_models_per_step) == [3, 3]


def test_running_measure_ends_where_a_model_left(synthetic_data: ReportData) -> None:
    running = synthetic_data.running("mean")
    assert running.shape == (len(synthetic_data.models), synthetic_data.n_steps)
    for model_id, step in synthetic_data.removed_at.items():
        row = running[synthetic_data.model_ids.index(model_id)]
        assert np.isfinite(row[:step]).all() and np.isnan(row[step:]).all()
    selected = synthetic_data.model_ids.index(synthetic_data.selected_model_id)
    expected = np.cumsum(synthetic_data.qualities[selected]) / np.arange(1, 11)
    np.testing.assert_allclose(running[selected], expected)


def test_uncertainty_of_the_selected_model(synthetic_data: ReportData) -> None:
    values = synthetic_data.instance_qualities(synthetic_data.selected_model_id)
    u = synthetic_data.uncertainty()
    assert (u.model_id, u.n_instances) == (synthetic_data.selected_model_id, 10)
    assert u.mean == pytest.approx(values.mean())
    assert u.std == pytest.approx(values.std(ddof=1))
    assert (u.q1, u.median, u.q3) == pytest.approx(np.quantile(values, [0.25, 0.5, 0.75]))
    assert (u.minimum, u.maximum) == (values.min(), values.max())
    assert u.ci_low < u.mean < u.ci_high
    assert u.ci_high - u.ci_low < 4 * u.std / math.sqrt(10)
    assert synthetic_data.uncertainty() == u  # seeded
    assert synthetic_data.uncertainty(seed=1).ci_low != u.ci_low


def test_uncertainty_numbers_are_quoted_to_the_std() -> None:
    table = synthetic_results([0.9, 0.5], 0.0123, 6, seed=1)
    data = ReportData.from_replay(replay(table, Welch(), n_final_instances=6), table)
    u = data.uncertainty()
    assert 0.001 < u.std < 0.01 and u.decimals == 4  # two significant digits of the std
    assert u.formatted()["std"].lstrip("0.") == f"{u.std:.2g}".lstrip("0.")
    assert u.formatted()["mean"] == f"{u.mean:.4f}"
    with pytest.raises(ValueError, match=r"confidence_level must be in \(0, 1\); got 1.5."):
        data.uncertainty(confidence_level=1.5)


def test_uncertainty_without_spread_has_no_interval() -> None:
    table = synthetic_results([0.9, 0.5], 0.0, 3)
    u = ReportData.from_replay(replay(table, Halving()), table).uncertainty()
    assert u.std == 0.0 and math.isnan(u.ci_low) and math.isnan(u.ci_high)
    assert u.decimals == 4


def test_from_engine_of_a_live_run(live_data: ReportData) -> None:
    assert live_data.selected_model_id == "cfg7"
    assert live_data.n_trained.tolist() == [2, 2, 2, 2, 3, 3, 4, 12]
    assert live_data.direction == "minimize" and live_data.exhaustive is None
    cost = live_data.cost
    assert (cost.instances_trained, cost.exhaustive_instances, cost.time) == (30, 32, 90.0)
    assert math.isnan(cost.exhaustive_time) and cost.fraction == 30 / 32
    assert live_data.complete_table() is None


def test_from_engine_needs_a_finished_selection() -> None:
    engine = SelectionEngine(["a", "b"], Welch(), n_instances=3)
    models = pd.DataFrame(index=pd.Index(["a", "b"], name="model"))
    with pytest.raises(ValueError, match="the engine has selected no model yet"):
        ReportData.from_engine(engine, models, metric="acc")


def test_complete_table_of_an_exhaustive_run(
    synthetic_table: RecordedResults, synthetic_data: ReportData
) -> None:
    fields = {name: getattr(synthetic_data, name) for name in synthetic_data.__dataclass_fields__}
    fields.update(qualities=synthetic_table.qualities, costs=synthetic_table.costs)
    full = ReportData(**fields).complete_table()
    assert full is not None
    np.testing.assert_array_equal(full.qualities, synthetic_table.qualities)
    assert synthetic_data.complete_table() is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"qualities": np.zeros((2, 3))}, r"qualities must have shape \(12, n_positions\)"),
        ({"costs": np.zeros((12, 2))}, r"costs must have the shape of qualities \(12, 10\)"),
        ({"base_model_id": "nope"}, "base_model_id must be one of the models; got 'nope'."),
        ({"selected_model_id": "x"}, "selected_model_id must be one of the models; got 'x'."),
        ({"direction": "up"}, "direction must be 'minimize' or 'maximize'; got 'up'."),
    ],
)
def test_bad_report_data(synthetic_data: ReportData, change: dict, message: str) -> None:
    fields = {name: getattr(synthetic_data, name) for name in synthetic_data.__dataclass_fields__}
    with pytest.raises(ValueError, match=message):
        ReportData(**{**fields, **change})


def test_from_replay_needs_the_replayed_table(synthetic_table: RecordedResults) -> None:
    result = replay(synthetic_table, Welch())
    other = synthetic_results([0.9, 0.8], 0.01, 10)
    with pytest.raises(ValueError, match="the table must hold the replay's 12 models; got 2"):
        ReportData.from_replay(result, other)


def test_authors_selection(authors_data: ReportData, authors_30k: RecordedResults) -> None:
    assert authors_data.selected_model_id == "model_02ff9681"
    u = authors_data.uncertainty()
    row = authors_30k.model_ids.index("model_02ff9681")
    assert u.n_instances == 20
    assert u.mean == pytest.approx(authors_30k.qualities[row].mean())
    assert u.formatted()["mean"] == "0.9145" and u.formatted()["std"] == "0.0027"
    assert authors_data.removed_at["model_e169bb1c"] < len(authors_data.n_models_per_step)
