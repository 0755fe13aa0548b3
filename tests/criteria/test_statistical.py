from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from robustsel.criteria import (
    CRITERIA,
    Bartlett,
    Fligner,
    KolmogorovSmirnov,
    Levene,
    MannWhitney,
    StatisticalTest,
    Welch,
    Wilcoxon,
    make_criterion,
)

# Each criterion with the plain 1-D SciPy call it must match, model by model.
REFERENCE_CALLS = [
    (Welch, lambda a, b: stats.ttest_ind(a, b, equal_var=False).pvalue),
    (MannWhitney, lambda a, b: stats.mannwhitneyu(a, b, alternative="two-sided").pvalue),
    (KolmogorovSmirnov, lambda a, b: stats.ks_2samp(a, b).pvalue),
    (Bartlett, lambda a, b: stats.bartlett(a, b).pvalue),
    (Levene, lambda a, b: stats.levene(a, b, center="median").pvalue),
    (Fligner, lambda a, b: stats.fligner(a, b).pvalue),
    (Wilcoxon, lambda a, b: stats.wilcoxon(b, a).pvalue),
]


@pytest.mark.parametrize(("cls", "reference_call"), REFERENCE_CALLS)
def test_vectorized_pvalues_match_one_dimensional_scipy(cls, reference_call) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    q = rng.normal(0.9, 0.01, size=(6, 9)) + np.linspace(0, -0.02, 6)[:, None]
    decision = cls(alpha=0.05).eliminate(q, direction="maximize", step=9)
    best = decision.best
    assert best == int(np.argmax(q.mean(axis=1)))
    for row in range(len(q)):
        if row != best:
            assert decision.pvalue[row] == pytest.approx(reference_call(q[best], q[row]), rel=1e-9)
    assert np.isnan(decision.pvalue[best])


@pytest.mark.parametrize("cls", [Welch, MannWhitney, KolmogorovSmirnov, Wilcoxon])
def test_location_tests_remove_clearly_worse_models_only(cls: type[StatisticalTest]) -> None:
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 0.002, size=(3, 12))
    q = np.array([[0.90], [0.80], [0.95]]) + noise
    decision = cls(alpha=0.05).eliminate(q, direction="maximize", step=12)
    # The best (row 2) stays, the clearly worse rows are removed.
    assert decision.keep.tolist() == [False, False, True]
    flipped = cls(alpha=0.05).eliminate(q, direction="minimize", step=12)
    assert flipped.keep.tolist() == [False, True, False]


@pytest.mark.parametrize("cls", [Bartlett, Levene, Fligner])
def test_width_tests_remove_the_wider_model_not_the_narrower(cls: type[StatisticalTest]) -> None:
    rng = np.random.default_rng(2)
    q = np.vstack(
        [
            rng.normal(0.90, 0.01, 15),  # reference by mean
            rng.normal(0.899, 0.08, 15),  # much wider: removed
            rng.normal(0.899, 0.0005, 15),  # much narrower: kept
        ]
    )
    q[0] += 0.01  # make row 0 the reference without touching its width
    decision = cls(alpha=0.05).eliminate(q, direction="maximize", step=15)
    assert decision.best == 0
    assert decision.keep.tolist() == [True, False, True]


def test_equal_models_are_kept() -> None:
    rng = np.random.default_rng(3)
    q = rng.normal(0.9, 0.01, size=(5, 6))
    assert Welch(alpha=0.001).eliminate(q, direction="maximize", step=6).keep.all()


def test_reference_follows_the_measure() -> None:
    q = np.array([[0.0, 0.0, 0.0, 3.0], [1.0, 1.0, 1.0, 1.0]])
    assert Welch(measure="mean").eliminate(q, direction="maximize", step=4).best == 1
    assert Welch(measure="max").eliminate(q, direction="maximize", step=4).best == 0


def test_wilcoxon_uses_the_pairing() -> None:
    rng = np.random.default_rng(4)
    shared = rng.normal(0, 0.02, 10)
    q = np.vstack([0.90 + shared, 0.897 + shared + rng.normal(0, 0.0005, 10)])
    assert Wilcoxon().eliminate(q, direction="maximize", step=10).keep.tolist() == [True, False]
    assert Welch().eliminate(q, direction="maximize", step=10).keep.tolist() == [True, True]


@pytest.mark.parametrize("cls", [Welch, KolmogorovSmirnov, Levene])
def test_diverged_models_are_removed_without_warnings(cls: type[StatisticalTest]) -> None:
    q = np.array([[0.9, 0.91, 0.89], [0.9, -np.inf, 0.95], [0.9, 0.9, 0.9]])
    with np.errstate(all="raise"):
        decision = cls().eliminate(q, direction="maximize", step=3)
    assert decision.keep.tolist() == [True, False, True]


def test_all_models_diverged_keeps_the_reference() -> None:
    q = np.full((3, 3), np.inf)
    decision = Welch().eliminate(q, direction="minimize", step=3)
    assert decision.keep[decision.best]


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1, 1.5])
def test_alpha_must_be_in_the_open_unit_interval(alpha: float) -> None:
    with pytest.raises(ValueError, match=rf"alpha must be in \(0, 1\); got {alpha}\."):
        Welch(alpha=alpha)


def test_registry_builds_every_criterion() -> None:
    for name, cls in CRITERIA.items():
        criterion = make_criterion(name, alpha=0.1, measure="median")
        assert isinstance(criterion, cls) and criterion.name == name
    with pytest.raises(ValueError, match="criterion must be one of halving, quantile, welch"):
        make_criterion("t-test")
