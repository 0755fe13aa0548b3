"""Tests of the ECAL cluster simulation: shapes, reproducibility, physics, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from robustsel.tasks.ecal.baselines import BarycenterCorrection
from robustsel.tasks.ecal.simulate import CHUNK, REGIONS, Calorimeter, Dataset, simulate


@pytest.fixture(scope="module")
def data_a() -> Dataset:
    return simulate(6000, seed=11)


def test_shapes_dtypes_and_ranges(data_a: Dataset) -> None:
    assert data_a.inputs.shape == (6000, 1, 15, 15)
    assert data_a.inputs.dtype == np.float32
    assert data_a.targets.shape == (6000, 3)
    assert data_a.targets.dtype == np.float32
    assert data_a.energy.min() >= 1.0
    assert data_a.energy.max() <= 100.0
    assert np.all(np.abs(data_a.targets[:, 1:]) <= 2.0)
    assert np.all(data_a.cell_size == 4.0)
    low, high = REGIONS["inner"].angle_range
    assert np.all((data_a.theta >= low * 0.999) & (data_a.theta <= high * 1.001))


def test_seed_cell_is_the_window_centre(data_a: Dataset) -> None:
    mean = data_a.inputs[:, 0].mean(axis=0)
    assert np.unravel_index(mean.argmax(), mean.shape) == (7, 7)
    assert np.allclose(mean, mean.T, rtol=0.05, atol=1e-3)


def test_rows_follow_y_and_columns_follow_x(data_a: Dataset) -> None:
    image = data_a.inputs[:, 0]
    right_minus_left = image[:, 7, 8] - image[:, 7, 6]
    up_minus_down = image[:, 8, 7] - image[:, 6, 7]
    assert np.corrcoef(right_minus_left, data_a.x)[0, 1] > 0.3
    assert np.corrcoef(up_minus_down, data_a.y)[0, 1] > 0.3


def test_window_contains_the_shower(data_a: Dataset) -> None:
    ratio = data_a.inputs.sum(axis=(1, 2, 3)) / data_a.energy
    assert abs(np.mean(ratio) - 1) < 0.01


def test_corner_cells_carry_the_configured_noise(data_a: Dataset) -> None:
    corners = data_a.inputs[:, 0, [0, 0, -1, -1], [0, -1, 0, -1]]
    assert np.std(corners) == pytest.approx(Calorimeter().noise, rel=0.1)


def test_same_seed_same_arrays_and_different_seeds_differ() -> None:
    n = CHUNK + 100
    first, again = simulate(n, dataset="B", seed=5), simulate(n, dataset="B", seed=5)
    other = simulate(n, dataset="B", seed=6)
    assert np.array_equal(first.inputs, again.inputs)
    assert np.array_equal(first.targets, again.targets)
    assert not np.array_equal(first.inputs, other.inputs)
    assert not np.allclose(first.targets, other.targets)


def test_chunks_draw_independent_streams() -> None:
    data = simulate(2 * CHUNK, seed=3)
    assert not np.allclose(data.targets[:CHUNK], data.targets[CHUNK:])


@pytest.mark.parametrize(
    ("spectrum", "index", "median"),
    [("falling", 1.0, 10.0), ("falling", 2.0, 100 / 50.5), ("flat", 1.0, 50.5)],
)
def test_energy_spectrum(spectrum: str, index: float, median: float) -> None:
    energy = simulate(4000, seed=2, spectrum=spectrum, spectrum_index=index).energy
    assert np.median(energy) == pytest.approx(median, rel=0.08)


def test_mixed_region_draws_every_cell_size() -> None:
    data = simulate(900, seed=4, region="mixed")
    sizes, counts = np.unique(data.cell_size, return_counts=True)
    assert sizes.tolist() == [4.0, 6.0, 12.0]
    assert counts.min() > 250
    assert np.all(np.abs(data.x) <= data.cell_size / 2)


def test_window_is_configurable() -> None:
    data = simulate(10, seed=0, window=5, region="outer")
    assert data.inputs.shape == (10, 1, 5, 5)
    assert np.all(data.cell_size == 12.0)


def test_inclined_photons_spread_the_position() -> None:
    def resolution(angles: tuple[float, float]) -> float:
        train = simulate(3000, seed=1, angle_range=angles)
        test = simulate(3000, seed=2, angle_range=angles)
        x, _ = BarycenterCorrection().fit(train).predict(test)
        return float(np.sqrt(np.mean((x - test.x) ** 2)))

    assert resolution((0.25, 0.3)) > 1.5 * resolution((0.01, 0.012))


def test_dataset_b_adds_the_configured_background() -> None:
    calo = Calorimeter()
    a = simulate(4000, seed=8)
    b = simulate(4000, seed=8, dataset="B", background=2.0)
    extra = b.inputs.sum(axis=(1, 2, 3)) - b.energy
    assert np.mean(a.inputs.sum(axis=(1, 2, 3)) - a.energy) == pytest.approx(0, abs=0.05)
    soft_mean = np.log(50) / (10 - 0.2)  # mean of 1/E^2 on [0.1, 5] GeV
    expected = 2.0 * (calo.pileup_showers * soft_mean + calo.pileup_hits * calo.hit_energy)
    assert np.mean(extra) == pytest.approx(expected, rel=0.1)
    assert b.settings["background"] == 2.0
    assert a.settings["background"] == 0.0


def test_progress_reports_every_chunk() -> None:
    done: list[int] = []
    simulate(2 * CHUNK + 5, seed=0, window=3, progress=done.append)
    assert done == [CHUNK, 2 * CHUNK, 2 * CHUNK + 5]


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    data = simulate(20, dataset="B", seed=9)
    data.save(tmp_path / "d.npz")
    back = Dataset.load(tmp_path / "d.npz")
    assert np.array_equal(back.inputs, data.inputs)
    assert np.array_equal(back.targets, data.targets)
    assert back.settings == data.settings
    assert len(back.subset(slice(0, 5))) == 5


def test_load_rejects_other_files(tmp_path: Path) -> None:
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="missing inputs, targets, cell_size, theta"):
        Dataset.load(tmp_path / "other.npz")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n": 0}, "n must be >= 1; got 0."),
        ({"dataset": "C"}, "dataset must be one of A, B; got 'C'."),
        ({"region": "far"}, "region must be one of inner, middle, outer, mixed; got 'far'."),
        ({"window": 14}, "window must be an odd number of cells >= 3; got 14."),
        ({"window": 1}, "window must be an odd number of cells >= 3; got 1."),
        ({"energy_range": (5, 5)}, "energy_range must satisfy 0 < min < max; got (5, 5)."),
        ({"energy_range": (0, 5)}, "energy_range must satisfy 0 < min < max; got (0, 5)."),
        ({"spectrum": "steep"}, "spectrum must be one of falling, flat; got 'steep'."),
        ({"angle_range": (0.1, 2.0)}, "angle_range must stay below pi/2 rad; got 2."),
        ({"background": -1.0}, "background must be >= 0; got -1.0."),
        ({"seed": -1}, "seed must be >= 0; got -1."),
    ],
)
def test_bad_input(options: dict[str, object], message: str) -> None:
    arguments = {"n": 10, **options}
    with pytest.raises(ValueError) as error:
        simulate(**arguments)  # type: ignore[arg-type]
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"moliere_radius": 0.0}, "moliere_radius must be > 0; got 0.0."),
        ({"noise": -0.1}, "noise must be >= 0; got -0.1."),
        ({"core_fraction": 1.5}, "core_fraction must be in [0, 1]; got 1.5."),
        ({"depth_spots": 0}, "depth_spots must be >= 1; got 0."),
    ],
)
def test_bad_calorimeter(options: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError) as error:
        Calorimeter(**options)  # type: ignore[arg-type]
    assert str(error.value) == message
