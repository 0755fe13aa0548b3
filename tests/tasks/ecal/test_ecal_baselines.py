"""Physics checks of the ECAL baselines: resolution, S-shape, background."""

from __future__ import annotations

import numpy as np
import pytest

from robustsel.tasks.ecal.baselines import (
    BarycenterCorrection,
    Baseline,
    SumCalibration,
    barycenter,
    fit_resolution,
    reconstruction_metrics,
    resolution,
    s_curve,
)
from robustsel.tasks.ecal.simulate import Calorimeter, Dataset, simulate

LOG_BINS = np.geomspace(1, 100, 13)


@pytest.fixture(scope="module")
def train_a() -> Dataset:
    return simulate(10_000, seed=21)


@pytest.fixture(scope="module")
def test_a() -> Dataset:
    return simulate(10_000, seed=22)


@pytest.mark.parametrize(
    "calo", [Calorimeter(), Calorimeter(stochastic=0.2, constant=0.03)], ids=["default", "worse"]
)
def test_sum_resolution_recovers_the_configured_terms(calo: Calorimeter) -> None:
    train = simulate(5_000, seed=1, calorimeter=calo)
    test = simulate(50_000, seed=2, calorimeter=calo)
    predicted = SumCalibration().fit(train.inputs, train.energy).predict(test.inputs)
    guess = np.column_stack([predicted, test.x, test.y])
    m = reconstruction_metrics(test.targets, guess, energy_bins=LOG_BINS)
    fit = fit_resolution(m.mean_energy, m.bin_rmse_e_over_e, count=m.count)
    assert fit.stochastic == pytest.approx(calo.stochastic, rel=0.2)
    assert fit.constant == pytest.approx(calo.constant, rel=0.2)


def test_uncorrected_barycenter_has_the_s_shaped_bias(test_a: Dataset) -> None:
    cell = 4.0
    x, _ = barycenter(test_a.inputs, test_a.cell_size)
    edges = np.linspace(-cell / 2, cell / 2, 11)
    which = np.digitize(test_a.x, edges) - 1
    bias = np.array([np.mean(x[which == b] - test_a.x[which == b]) for b in range(10)])
    assert np.all(bias[1:4] > 0.05 * cell)  # pulled right, towards the centre, left of it
    assert np.all(bias[6:9] < -0.05 * cell)  # and pulled left right of it
    assert abs(bias[4] + bias[5]) < 0.02 * cell  # antisymmetric
    assert np.abs(bias[[0, 9]]).max() < np.abs(bias[[2, 7]]).min()  # smaller at the edges


@pytest.mark.parametrize("region", ["inner", "middle", "outer"])
def test_corrected_barycenter_beats_cell_over_sqrt12(region: str) -> None:
    train, test = simulate(4000, seed=3, region=region), simulate(4000, seed=4, region=region)
    cell = float(test.cell_size[0])
    x, y = BarycenterCorrection().fit(train).predict(test)
    raw_x, _ = barycenter(test.inputs, test.cell_size)
    rmse_x = np.sqrt(np.mean((x - test.x) ** 2))
    assert rmse_x < cell / np.sqrt(12)
    assert rmse_x < 0.8 * np.sqrt(np.mean((raw_x - test.x) ** 2))
    assert np.sqrt(np.mean((y - test.y) ** 2)) == pytest.approx(rmse_x, rel=0.15)


def test_mixed_regions_get_one_s_curve_per_cell_size() -> None:
    train, test = simulate(3000, seed=5, region="mixed"), simulate(1500, seed=6, region="mixed")
    corrector = BarycenterCorrection().fit(train)
    assert sorted(corrector.widths_) == [4.0, 6.0, 12.0]
    x, _ = corrector.predict(test)
    assert np.all(np.abs(x - test.x) < test.cell_size)


def test_correction_refuses_an_unfitted_cell_size(train_a: Dataset) -> None:
    corrector = BarycenterCorrection().fit(train_a.subset(slice(0, 500)))
    with pytest.raises(ValueError, match=r"no S-curve fitted for cell size \[12.0\] cm"):
        corrector.predict(simulate(5, region="outer"))


def test_background_worsens_the_sum_baseline(train_a: Dataset, test_a: Dataset) -> None:
    def energy_metric(train: Dataset, test: Dataset) -> float:
        m = reconstruction_metrics(test.targets, Baseline().fit(train).predict(test))
        return m.rmse_e_over_e

    clean = energy_metric(train_a, test_a)
    train_b, test_b = simulate(10_000, seed=21, dataset="B"), simulate(10_000, seed=22, dataset="B")
    assert energy_metric(train_b, test_b) > 3 * clean
    silent_train = simulate(10_000, seed=21, dataset="B", background=0.0)
    silent_test = simulate(10_000, seed=22, dataset="B", background=0.0)
    assert energy_metric(silent_train, silent_test) == pytest.approx(clean, rel=0.1)


def test_calibration_absorbs_the_mean_background() -> None:
    data = simulate(5000, seed=7, dataset="B")
    calibration = SumCalibration().fit(data.inputs, data.energy)
    assert calibration.slope_ == pytest.approx(1.0, abs=0.05)
    assert calibration.offset_ == pytest.approx(-2.0, abs=0.4)


def test_baseline_predicts_the_target_layout(train_a: Dataset, test_a: Dataset) -> None:
    predicted = Baseline().fit(train_a).predict(test_a)
    assert predicted.shape == (len(test_a), 3)
    m = reconstruction_metrics(test_a.targets, predicted)
    assert m.rmse_e_over_e < 0.07
    assert m.rmse_x < 0.3
    assert m.count.sum() == len(test_a)


def test_metrics_per_bin_and_empty_bins() -> None:
    truth = np.array([[1.5, 0.0, 0.0], [1.5, 0.0, 0.0], [8.0, 1.0, 1.0]])
    guess = np.array([[1.8, 0.1, 0.0], [1.2, -0.1, 0.0], [8.0, 1.0, 0.0]])
    m = reconstruction_metrics(truth, guess, energy_bins=[1, 2, 5, 10])
    assert m.count.tolist() == [2, 0, 1]
    assert m.bin_rmse_e_over_e[0] == pytest.approx(0.2)
    assert np.isnan(m.bin_rmse_x[1])
    assert m.bin_rmse_y.tolist()[2] == 1.0
    assert m.rmse_y == pytest.approx(np.sqrt(1 / 3))
    assert m.to_dict()["count"] == [2, 0, 1]


@pytest.mark.parametrize(
    ("bins", "targets", "message"),
    [
        ([1, 1, 2], np.ones((2, 3)), "energy_bins must be increasing edges; got [1.0, 1.0, 2.0]."),
        ([1, 2], np.ones((2, 2)), "targets and predictions must have shape (N, 3); got (2, 2)"),
    ],
)
def test_metrics_bad_input(bins: list[float], targets: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError) as error:
        reconstruction_metrics(targets, targets, energy_bins=bins)
    assert str(error.value).startswith(message)


def test_s_curve_is_odd_and_keeps_the_cell_edges() -> None:
    xb = np.linspace(-2, 2, 9)
    corrected = s_curve(xb, 4.0, 0.8)
    assert np.allclose(corrected, -corrected[::-1])
    assert corrected[[0, -1]] == pytest.approx([-2, 2])
    assert np.all(np.abs(corrected[1:-1]) >= np.abs(xb[1:-1]))


def test_barycenter_of_an_empty_block_is_the_centre() -> None:
    x, y = barycenter(np.zeros((2, 1, 5, 5)), 4.0)
    assert x.tolist() == y.tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="size must be odd and in"):
        barycenter(np.zeros((2, 1, 5, 5)), 4.0, size=4)


def test_fit_resolution_without_noise_term_and_too_few_bins() -> None:
    e = np.geomspace(2, 80, 6)
    fit = fit_resolution(e, resolution(e, stochastic=0.15, constant=0.02), noise_term=False)
    assert (fit.stochastic, fit.constant, fit.noise) == pytest.approx((0.15, 0.02, 0.0))
    with pytest.raises(ValueError, match="needs more than 3 non-empty bins; got 3"):
        fit_resolution(e[:3], resolution(e[:3], stochastic=0.1, constant=0.01))
