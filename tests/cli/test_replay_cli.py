from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from robustsel.cli import main
from robustsel.table import write_wide
from robustsel.testing import synthetic_results

AUTHORS_ORDER = "1,18,16,2,9,6,12,4,19,17,14,3,10,20,5,13,8,11,15,7"


@pytest.fixture
def table_csv(tmp_path: Path) -> Path:
    path = tmp_path / "table.csv"
    write_wide(synthetic_results([0.9, 0.85, 0.8, 0.7], 0.01, 8, seed=5), path)
    return path


def test_replay_writes_json_with_repeats(table_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    assert main(["replay", str(table_csv), "--repeat", "3", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["selected_model"] == "m0"
    assert [r["order_seed"] for r in result["repeats"]] == [0, 1, 2]
    assert set(result["summary"]) >= {"hit_rate", "mean_cost_fraction", "mean_regret"}


def test_authors_selected_model_at_30k(authors_files: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "welch.json"
    files = [str(f) for f in authors_files]
    code = main(
        [
            "replay",
            *files,
            "--metric",
            "ValAccuracy",
            "--direction",
            "max",
            "--measure",
            "mean",
            "--criterion",
            "welch",
            "--alpha",
            "0.05",
            "--warmup",
            "2",
            "--order",
            AUTHORS_ORDER,
            "--where",
            "dt_len == 30000",
            "--json",
            str(out),
        ]
    )
    assert code == 0
    recorded = json.loads(
        (authors_files[0].parent / "selstep_30k_welch_step2_pv005.json").read_text()
    )
    assert recorded["final_model"] == 0
    assert json.loads(out.read_text())["selected_model"] == "model_02ff9681"


def test_order_seed_is_reproducible(table_csv: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for out in (a, b):
        assert main(["replay", str(table_csv), "--order-seed", "7", "--json", str(out)]) == 0
    assert json.loads(a.read_text()) == json.loads(b.read_text())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--metric", "Loss"], "has no column Loss_1, Loss_2"),
        (["--criterion", "ttest"], "criterion must be one of"),
        (["--measure", "avg"], "measure must be one of"),
        (["--alpha", "1.5"], r"alpha must be in (0, 1); got 1.5."),
        (["--order", "1,2,3"], "instance order must be a permutation of the instance numbers 1..8"),
        (["--order", "a,b"], "--order must be comma-separated instance numbers"),
        (["--order", "1", "--order-seed", "2"], "give --order or --order-seed, not both"),
        (["--where", "true_mean > 5"], "selects no model"),
        (["--direction", "up"], "--direction must be max or min"),
        (["--criterion", "welch", "--warmup", "1"], "n_warmup_instances must be in [2, n_"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    table_csv: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", str(table_csv), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_non_numeric_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.csv"
    path.write_text("model,ValAccuracy_1,ValAccuracy_2\na,0.5,x\nb,0.4,0.3\n")
    assert main(["replay", str(path)]) == 2
    assert "column ValAccuracy_2 has a non-numeric value 'x'" in capsys.readouterr().err


def test_console_script_exit_code(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "robustsel", "replay", str(tmp_path / "missing.csv")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: results file not found: {tmp_path / 'missing.csv'}."


def test_default_is_the_race_after_one_instance(table_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "race.json"
    assert main(["replay", str(table_csv), "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert (result["criterion"], result["warmup"], result["margin"]) == ("race", 1, 0.005)
    tied = tmp_path / "tied.csv"
    table = synthetic_results([0.9, 0.9], 0.001, 8, seed=5)
    write_wide(replace(table, qualities=table.qualities[[0, 0]]), tied)  # same qualities
    steps = {}
    for margin in ("0.005", "0"):
        custom = tmp_path / f"margin{margin}.json"
        args = ["--margin", margin, "--screen-fraction", "0.5", "--json", str(custom)]
        assert main(["replay", str(tied), *args]) == 0
        result = json.loads(custom.read_text())
        assert (result["margin"], result["screen_fraction"]) == (float(margin), 0.5)
        steps[margin] = len(result["steps"])
    assert steps["0.005"] < steps["0"] == 8  # margin 0: no early stop
