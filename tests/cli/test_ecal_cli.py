"""Tests of ``robustsel simulate ecal`` and ``robustsel baseline ecal``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from robustsel.cli import main
from robustsel.tasks.ecal.simulate import Dataset, simulate


def test_simulate_writes_the_seeded_arrays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sub" / "b.npz"
    args = ["simulate", "ecal", "--n", "40", "--dataset", "B", "--seed", "3", "--out", str(out)]
    assert main(args) == 0
    assert "40 clusters of dataset B" in capsys.readouterr().out
    written = Dataset.load(out)
    assert written.inputs.shape == (40, 1, 15, 15)
    assert np.array_equal(written.inputs, simulate(40, dataset="B", seed=3).inputs)
    assert written.settings["dataset"] == "B"


def test_simulate_options_reach_the_generator(tmp_path: Path) -> None:
    out = tmp_path / "o.npz"
    args = ["simulate", "ecal", "--n", "30", "--out", str(out), "--window", "7", "--region",
            "outer", "--e-min", "2", "--e-max", "3", "--spectrum", "flat"]  # fmt: skip
    assert main(args) == 0
    data = Dataset.load(out)
    assert data.inputs.shape == (30, 1, 7, 7)
    assert np.all(data.cell_size == 12.0)
    assert data.energy.min() >= 2 and data.energy.max() <= 3


def test_baseline_prints_the_table_and_writes_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "m.json"
    args = ["baseline", "ecal", "--n-train", "2000", "--n-test", "2000", "--json", str(out)]
    assert main(args) == 0
    text = capsys.readouterr().out
    for header in ("RMSE(E)/E", "RMSE(x), cm", "RMSE(y), cm", "50-100", "all", "sum resolution"):
        assert header in text
    metrics = json.loads(out.read_text())
    assert sum(metrics["count"]) == 2000
    assert metrics["rmse_e_over_e"] < 0.1


def test_baseline_on_simulated_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train, test = tmp_path / "train.npz", tmp_path / "test.npz"
    simulate(1500, seed=1, region="middle").save(train)
    simulate(500, seed=2, region="middle").save(test)
    args = ["baseline", "ecal", "--train", str(train), "--test", str(test), "--bins", "1,10,100"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "fitted on 1,500 clusters" in text
    assert "6 cm:" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["simulate", "ecal", "--n", "5", "--dataset", "C"],
            "dataset must be one of A, B; got 'C'.",
        ),
        (["baseline", "ecal", "--dataset", "AB"], "dataset must be one of A, B; got 'AB'."),
        (
            ["simulate", "ecal", "--n", "5", "--region", "far"],
            "region must be one of inner, middle, outer, mixed; got 'far'.",
        ),
        (["baseline", "ecal", "--region", "edge"], "region must be one of inner, middle, outer"),
        (
            ["simulate", "ecal", "--n", "5", "--window", "14"],
            "window must be an odd number of cells >= 3; got 14.",
        ),
        (
            ["baseline", "ecal", "--window", "1"],
            "window must be an odd number of cells >= 3; got 1.",
        ),
        (["simulate", "ecal", "--n", "0"], "n must be >= 1; got 0."),
        (["simulate", "ecal", "--n", "-3"], "n must be >= 1; got -3."),
        (["baseline", "ecal", "--n-train", "0"], "--n-train must be >= 1; got 0."),
        (
            ["simulate", "ecal", "--n", "5", "--e-min", "50", "--e-max", "10"],
            "energy_range must satisfy 0 < min < max; got (50, 10).",
        ),
        (
            ["baseline", "ecal", "--e-min", "5", "--e-max", "5"],
            "energy_range must satisfy 0 < min < max; got (5, 5).",
        ),
        (
            ["baseline", "ecal", "--bins", "1,x"],
            "--bins must be comma-separated numbers; got '1,x'.",
        ),
        (["baseline", "ecal", "--train", "a.npz"], "give both --train and --test, or neither"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if args[0] == "simulate":
        args = [*args, "--out", str(tmp_path / "x.npz")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}")
    assert err.count("\n") == 1
    assert not (tmp_path / "x.npz").exists()


def test_out_must_be_an_npz_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "ecal", "--n", "5", "--out", str(tmp_path / "x.csv")]) == 2
    assert "--out must name an .npz file" in capsys.readouterr().err


def test_large_simulations_show_progress(tmp_path: Path) -> None:
    out = tmp_path / "big.npz"
    assert main(["simulate", "ecal", "--n", "20000", "--window", "3", "--out", str(out)]) == 0
    assert len(Dataset.load(out)) == 20_000
