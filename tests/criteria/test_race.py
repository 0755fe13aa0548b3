from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from robustsel._experimental import ExperimentalWarning
from robustsel.criteria import (
    CRITERIA,
    DEFAULT_CRITERION,
    DEFAULT_WARMUP,
    Race,
    Welch,
    make_criterion,
)
from robustsel.criteria._race import equivalence_bound, pooled_std, screen
from robustsel.replay import exhaustive_search, replay
from robustsel.testing import synthetic_results

pytestmark = pytest.mark.filterwarnings("ignore::robustsel._experimental.ExperimentalWarning")


def test_is_the_registered_default_and_decides_after_one_instance() -> None:
    assert CRITERIA["race"] is Race
    assert DEFAULT_CRITERION == "race"
    assert Race.min_instances <= DEFAULT_WARMUP == 1
    built = make_criterion("race", alpha=0.1, fraction=0.3, margin=0.01)
    assert repr(built) == repr(Race(alpha=0.1, margin=0.01))


def test_construction_warns_and_the_docstring_says_experimental() -> None:
    with pytest.warns(ExperimentalWarning, match=r"Race is experimental \(added in v0.1.0\)"):
        Race()
    assert "Added in v0.1.0 as an experimental feature" in (Race.__doc__ or "")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"alpha": 0.0}, r"alpha must be in \(0, 1\); got 0.0."),
        ({"screen_fraction": 0.0}, r"screen_fraction must be in \(0, 1\]; got 0.0."),
        ({"screen_fraction": 1.5}, r"screen_fraction must be in \(0, 1\]; got 1.5."),
        ({"min_screened": 0}, "min_screened must be an integer >= 1; got 0."),
        ({"min_screened": 2.5}, "min_screened must be an integer >= 1; got 2.5."),
        ({"margin": -0.1}, "margin must be >= 0; got -0.1."),
        ({"margin": float("nan")}, "margin must be >= 0; got nan."),
    ],
)
def test_bad_parameters(params: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Race(**params)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("n_models", "fraction", "min_kept", "n_kept"),
    [(100, 0.1, 5, 10), (30, 0.1, 5, 5), (3, 0.1, 5, 3), (101, 0.1, 5, 11), (10, 1.0, 1, 10)],
)
def test_screen_keeps_the_best_fraction_at_least_min(
    n_models: int, fraction: float, min_kept: int, n_kept: int
) -> None:
    values = np.random.default_rng(0).permutation(n_models).astype(float)
    keep = screen(values, fraction, min_kept)
    assert keep.sum() == n_kept
    assert values[keep].min() > values[~keep].max(initial=-np.inf)


def test_screen_keeps_ties_with_the_last_kept() -> None:
    assert screen(np.array([3.0, 2.0, 2.0, 1.0]), 0.5, 1).tolist() == [True, True, True, False]


@pytest.mark.parametrize("direction", ["maximize", "minimize"])
def test_step_one_screens_on_the_first_instance(direction: str) -> None:
    q = np.arange(20.0)[:, None]
    race = Race(screen_fraction=0.2, min_screened=1)
    oriented = q if direction == "maximize" else -q
    decision = race.eliminate(oriented, direction=direction, step=1)  # type: ignore[arg-type]
    assert np.flatnonzero(decision.keep).tolist() == [16, 17, 18, 19]
    assert decision.best == 19
    assert decision.pvalue is None and decision.selected is None


def test_pooled_std_is_the_spread_and_ignores_collapsed_instances() -> None:
    rng = np.random.default_rng(0)
    q = rng.normal(np.linspace(0.9, 0.8, 50)[:, None], 0.004, size=(50, 3))
    clean = pooled_std(q)
    assert clean == pytest.approx(0.004, rel=0.2)
    q[:3, 0] = 0.1  # three collapsed instances
    assert pooled_std(q) == pytest.approx(clean, rel=0.2)
    assert np.isnan(pooled_std(q[:0]))


def test_race_pvalues_match_the_one_dimensional_pooled_ttest() -> None:
    rng = np.random.default_rng(3)
    q = rng.normal(np.linspace(0.9, 0.88, 8)[:, None], 0.005, size=(8, 4))
    decision = Race(margin=0.0).eliminate(q, direction="maximize", step=4)
    best = decision.best
    assert best == int(np.argmax(q.mean(axis=1)))
    sd = pooled_std(q)
    for row in range(len(q)):
        if row != best:
            expected = stats.ttest_ind_from_stats(
                q[best].mean(), sd, 4, q[row].mean(), sd, 4, alternative="greater"
            ).pvalue
            assert decision.pvalue[row] == pytest.approx(expected, rel=1e-9)  # type: ignore[index]
    assert np.isnan(decision.pvalue[best])  # type: ignore[index]
    assert decision.keep.tolist() == (~(decision.pvalue < 0.05)).tolist()  # type: ignore[operator]


def test_equivalence_bound_matches_welch_confidence_interval() -> None:
    q = np.random.default_rng(4).normal([[0.9], [0.89], [0.895]], 0.003, size=(3, 6))
    bound = equivalence_bound(q, 0, 0.05)
    for row in range(3):
        result = stats.ttest_ind(q[0], q[row], equal_var=False, alternative="less")
        assert bound[row] == pytest.approx(result.confidence_interval(0.95).high, rel=1e-9)


def test_minimize_removes_the_higher_losses() -> None:
    q = np.random.default_rng(5).normal([[0.10], [0.20], [0.11]], 0.002, size=(3, 4))
    decision = Race(margin=0.0).eliminate(q, direction="minimize", step=4)
    assert decision.best == 0
    assert decision.keep.tolist() == [True, False, False]


def test_diverged_models_leave_and_all_diverged_do_not_crash() -> None:
    q = np.random.default_rng(6).normal(0.9, 0.001, size=(3, 3))
    q[1, 2] = -np.inf
    decision = Race().eliminate(q, direction="maximize", step=3)
    assert not decision.keep[1]
    everything = Race().eliminate(np.full((2, 3), -np.inf), direction="maximize", step=3)
    assert everything.keep.any()


def test_stops_when_equivalent_and_selects_the_reference() -> None:
    q = np.random.default_rng(7).normal(0.9, 0.001, size=(3, 10))
    decision = Race(margin=0.005).eliminate(q, direction="maximize", step=10)
    assert decision.keep.all()
    assert decision.selected == decision.best
    assert Race(margin=0.0).eliminate(q, direction="maximize", step=10).selected is None
    assert Race(margin=1e-4).eliminate(q, direction="maximize", step=10).selected is None


def test_stop_prefers_a_significantly_narrower_equivalent_model() -> None:
    rng = np.random.default_rng(8)
    wide = 0.9 + np.resize([-0.001, 0.001], 12)
    narrow = rng.normal(0.89995, 0.0001, 12)
    q = np.vstack([wide, narrow])
    decision = Race(margin=0.005).eliminate(q, direction="maximize", step=12)
    assert decision.best == 0
    assert decision.selected == 1


def test_no_stop_while_a_kept_model_may_be_much_worse() -> None:
    q = np.random.default_rng(9).normal([[0.90], [0.89]], 0.02, size=(2, 3))
    assert Race(margin=0.005).eliminate(q, direction="maximize", step=3).selected is None


def test_replay_stops_early_and_keeps_the_equivalent_models() -> None:
    table = synthetic_results(np.r_[0.90, 0.90, np.linspace(0.88, 0.80, 30)], 0.003, 20, seed=1)
    run = replay(table, Race(), n_warmup_instances=1)
    assert run.n_models_per_step[0] == 32 and run.n_models_per_step[1] == 5
    last = run.decisions[-1]
    assert last.selected_model_id == run.selected_model
    assert len(run.decisions) < 20
    assert set(run.remaining_models) == set(last.kept)
    assert run.selected_model in {"m0", "m1"}


def test_final_instances_follow_an_early_stop() -> None:
    table = synthetic_results([0.90, 0.90, 0.80], 0.001, 20, seed=2)
    run = replay(table, Race(), n_warmup_instances=1, n_final_instances=20)
    steps = len(run.n_models_per_step)
    assert steps < 20
    assert run.cost.instances_trained == sum(run.n_models_per_step) + 20 - steps
    assert run.selected_model in {"m0", "m1"}


# Generated tables with a known truth: (means, spreads, collapse rate) per kind.
def _known_truth_table(kind: str, seed: int):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    if kind == "spread-out":
        means, spreads, collapse = (
            rng.uniform(0.78, 0.86, 200),
            rng.uniform(0.002, 0.008, 200),
            0.005,
        )
    elif kind == "close":
        means, spreads, collapse = 0.85 - 0.0005 * np.arange(60), 0.005, 0.01
    else:  # "collapsing"
        means, spreads, collapse = (
            rng.uniform(0.80, 0.86, 100),
            rng.uniform(0.003, 0.006, 100),
            0.05,
        )
    seconds = rng.lognormal(0.0, 0.5, len(np.atleast_1d(means)))
    table = synthetic_results(
        means, spreads, 20, seed=seed, seconds=seconds, collapse_rate=collapse
    )
    return table, np.asarray(means)


@pytest.mark.parametrize("kind", ["spread-out", "close", "collapsing"])
def test_known_truth_hit_rate_and_cost(kind: str) -> None:
    hits, fractions, regrets, welch_fractions = [], [], [], []
    for seed in range(20):
        table, means = _known_truth_table(kind, seed)
        exhaustive = exhaustive_search(table, Welch(alpha=0.05), direction="maximize")
        run = replay(table, Race(), n_warmup_instances=1, exhaustive=exhaustive)
        hits.append(run.in_best_set)
        fractions.append(run.cost.fraction)
        regrets.append(means.max() - means[table.model_ids.index(run.selected_model)])
        if seed < 5:
            welch = replay(table, Welch(alpha=0.05), n_warmup_instances=2, exhaustive=exhaustive)
            welch_fractions.append(welch.cost.fraction)
    assert np.mean(hits) >= 0.95
    assert np.mean(fractions) <= 0.11
    assert np.mean(fractions) < np.mean(welch_fractions)
    assert max(regrets) < 0.01  # true accuracy points lost: under one


def test_authors_data_under_ten_percent_at_95_percent_hits(authors_30k) -> None:  # type: ignore[no-untyped-def]
    from robustsel.replay import replay_repeats

    summary = replay_repeats(
        authors_30k, Race(), order_seeds=range(20), n_warmup_instances=1
    ).summary
    assert summary["mean_cost_fraction"] <= 0.10
    assert summary["hit_rate"] >= 0.95


@pytest.mark.parametrize("direction", ["maximize", "minimize"])
def test_decisions_do_not_depend_on_the_metric_scale(direction: str) -> None:
    rng = np.random.default_rng(10)
    q = rng.normal(np.r_[0.9, 0.9, 0.85, 0.8, 0.8][:, None], 0.002, size=(5, 8))
    race = Race()
    for step in (1, 2, 8):
        small = race.eliminate(q[:, :step] / 20, direction=direction, step=step)  # type: ignore[arg-type]
        large = race.eliminate(q[:, :step] * 50, direction=direction, step=step)  # type: ignore[arg-type]
        assert small.keep.tolist() == large.keep.tolist()
        assert small.selected == large.selected
    assert race.eliminate(q, direction=direction, step=8).selected is not None  # type: ignore[arg-type]
