from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from robustsel.criteria import Halving, KolmogorovSmirnov, Welch, make_criterion
from robustsel.replay import exhaustive_search, random_order, replay, replay_repeats
from robustsel.table import RecordedResults
from robustsel.testing import synthetic_results


@pytest.mark.parametrize("criterion", ["welch", "ks"])
def test_reproduces_the_authors_recorded_paths_step_by_step(
    criterion: str, authors_dir: Path, authors_30k: RecordedResults
) -> None:
    recorded = json.loads((authors_dir / f"selstep_30k_{criterion}_step2_pv005.json").read_text())
    ids = authors_30k.model_ids
    run = replay(
        authors_30k,
        make_criterion(criterion, alpha=recorded["alpha"]),
        direction="maximize",
        n_warmup_instances=recorded["start_step"],
        instance_order=[i + 1 for i in recorded["experiment_order"]],
    )
    assert len(run.decisions) == len(recorded["steps"])
    for theirs, ours in zip(recorded["steps"], run.decisions, strict=True):
        assert ours.step == theirs["step"]
        assert len(ours.models_before) == theirs["n_models_before"]
        assert len(ours.kept) == theirs["n_models_kept"]
        if isinstance(theirs["kept_models"], list):
            assert set(ours.kept) == {ids[i] for i in theirs["kept_models"]}
        if isinstance(theirs["removed_models"], list):
            assert set(ours.removed) == {ids[i] for i in theirs["removed_models"]}
        assert ours.reference_model_id == ids[theirs["best_model_idx"]]
        assert ours.cumulative_cost == pytest.approx(theirs["cumulative_training_time"], rel=1e-12)
    assert run.selected_model == ids[recorded["final_model"]]
    assert set(run.remaining_models) == {ids[i] for i in recorded["remaining_models"]}
    assert run.cost.time == pytest.approx(recorded["total_training_time"], rel=1e-12)


def test_best_set_and_regret_on_a_known_truth() -> None:
    table = synthetic_results([0.90, 0.899, 0.80, 0.70], 0.005, 20, seed=1)
    exhaustive = exhaustive_search(table, Welch(), direction="maximize")
    assert exhaustive.best_model == "m0"
    assert set(exhaustive.best_set) == {"m0", "m1"}
    run = replay(table, Halving(), n_warmup_instances=1)
    assert run.selected_model in exhaustive.best_set and run.in_best_set
    assert run.regret == pytest.approx(0.0, abs=0.005)


def test_cost_counts_the_instances_trained() -> None:
    table = synthetic_results([0.9, 0.5, 0.4, 0.3], 0.001, 4, seconds=[1.0, 2.0, 3.0, 4.0])
    run = replay(table, Halving(), n_warmup_instances=1)
    # Step 1: all four models (10 s); step 2: the better two (3 s), then one is left.
    assert run.n_models_per_step == [4, 2]
    assert run.cost.instances_trained == 6
    assert run.cost.time == pytest.approx(10.0 + 3.0)
    assert run.cost.exhaustive_time == pytest.approx(40.0)


def test_final_instances_come_from_the_table() -> None:
    table = synthetic_results([0.9, 0.5, 0.4, 0.3], 0.001, 10)
    run = replay(table, Halving(), n_warmup_instances=1, n_final_instances=10)
    assert run.cost.instances_trained == 4 + 2 + 8
    assert run.selected_model == "m0"


def test_random_orders_are_reproducible_permutations() -> None:
    table = synthetic_results([0.9, 0.8], 0.01, 20)
    assert random_order(table, 3) == random_order(table, 3)
    assert sorted(random_order(table, 3)) == list(range(1, 21))
    assert random_order(table, 3) != random_order(table, 4)


def test_repeats_summarize_hit_rate_and_cost() -> None:
    table = synthetic_results(np.linspace(0.9, 0.8, 12), 0.01, 20, seed=2)
    repeated = replay_repeats(table, Welch(), order_seeds=range(10))
    summary = repeated.summary
    assert len(repeated.repeats) == 10
    assert 0.0 <= summary["hit_rate"] <= 1.0
    assert 0.1 < summary["mean_cost_fraction"] < 1.0
    assert summary["max_regret"] >= summary["mean_regret"] >= 0.0


def test_order_must_be_a_permutation() -> None:
    table = synthetic_results([0.9, 0.8], 0.01, 4)
    with pytest.raises(ValueError, match=r"permutation of the instance numbers 1..4; got 1,2,2,3"):
        replay(table, Welch(), instance_order=[1, 2, 2, 3])


def test_to_dict_has_the_documented_fields() -> None:
    table = synthetic_results([0.9, 0.8, 0.7], 0.01, 6)
    out = replay(table, KolmogorovSmirnov(), instance_order=[6, 5, 4, 3, 2, 1]).to_dict()
    assert {
        "criterion",
        "measure",
        "alpha",
        "warmup",
        "metric",
        "direction",
        "instance_order",
        "n_models",
        "selected_model",
        "remaining_models",
        "steps",
        "cost",
        "exhaustive",
    } <= set(out)
    assert out["instance_order"] == [6, 5, 4, 3, 2, 1]
    assert set(out["steps"][0]) == {
        "step",
        "n_instances_used",
        "n_models_before",
        "kept_models",
        "removed_models",
        "best_model",
        "cumulative_cost",
    }
    assert set(out["cost"]) == {
        "instances_trained",
        "exhaustive_instances",
        "time",
        "exhaustive_time",
        "fraction",
    }
    assert set(out["exhaustive"]) == {"best_model", "best_set"}
    json.dumps(out)


def test_incomplete_table_replays_what_it_holds_without_exhaustive() -> None:
    table = synthetic_results([0.9, 0.5, 0.4, 0.3], 0.001, 4)
    recorded = np.ones(table.qualities.shape, bool)
    recorded[1:, 2:] = False  # the losers were removed after two instances
    partial = RecordedResults(
        table.metric, table.models, table.qualities, table.costs, table.instance_labels, recorded
    )
    run = replay(partial, Halving(factor=4), n_warmup_instances=2)
    assert run.selected_model == "m0" and run.exhaustive is None and run.in_best_set is None
    with pytest.raises(ValueError, match="the table has no instance 3 of model m1"):
        replay(partial, Halving(factor=1.5), n_warmup_instances=2)
    with pytest.raises(ValueError, match="does not hold every instance"):
        exhaustive_search(partial, Welch(), direction="maximize")
