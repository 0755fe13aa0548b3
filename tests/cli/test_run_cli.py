from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from robustsel.cli import main
from robustsel.table import read_results

FAKE: dict[str, Any] = {
    "name": "cli",
    "task": "robustsel.testing:fake_task",
    "space": {"grid": {"mean": [0.7, 0.8, 0.9, 0.89], "spread": [0.01]}},
    "instances": {"per_model": 6, "seed": 1},
    "executor": {"workers": 0},
}


def _config(tmp_path: Path, data: dict[str, Any] | None = None, text: str | None = None) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text if text is not None else yaml.safe_dump(data or FAKE))
    return path


def test_run_status_export_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "s.sqlite"
    config = _config(tmp_path)
    assert main(["run", str(config), "--store", str(store), "--exhaustive"]) == 0
    assert "selected model" in capsys.readouterr().out
    assert main(["status", str(store)]) == 0
    status = capsys.readouterr().out
    assert "24 ok, 0 diverged, 0 failed, 0 in progress" in status and "of 4" in status
    out = tmp_path / "table.csv"
    assert main(["export", str(store), "--out", str(out)]) == 0
    table = read_results(out, "score")
    assert table.qualities.shape == (4, 6) and table.is_complete
    assert (
        main(["replay", str(out), "--metric", "score", "--criterion", "halving", "--warmup", "1"])
        == 0
    )
    assert main(["report", str(store), "--out", str(tmp_path / "report")]) == 0
    page = (tmp_path / "report" / "index.html").read_text()
    assert "criteria_comparison.png" in page


def test_resume_flag_needs_a_study(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path)
    code = main(["run", str(config), "--store", str(tmp_path / "none.sqlite"), "--resume"])
    assert code == 2
    assert "--resume: no store at" in capsys.readouterr().err
    assert main(["run", str(config), "--store", str(tmp_path / "s.sqlite")]) == 0
    assert main(["run", str(config), "--store", str(tmp_path / "s.sqlite"), "--resume"]) == 0
    assert "reused" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"task": None}, "task: required key is missing."),
        ({"selection": {"criterion": "ttest"}}, "selection.criterion: must be one of halving"),
        ({"space": {"grid": {}}}, "space: give at least one grid parameter or one model"),
        (
            {"instances": {"per_model": -3}},
            "instances.per_model: Input should be greater than 0; got -3.",
        ),
        ({"selection": {"alpha": 1.5}}, "selection.alpha: Input should be less than 1; got 1.5."),
        ({"selection": {"alhpa": 0.1}}, "selection.alhpa: unknown key; check its spelling"),
        (
            {"task": "nowhere.module:make"},
            "task 'nowhere.module:make': cannot import nowhere.module",
        ),
        (
            {"task": "ecal"},
            "task must be one of ecal-energy, ecal-position, cifar10 or 'module:function'",
        ),
        (
            {"space": {"grid": {"mean": [0.5]}}},
            "fake models need mean and spread; missing ['spread']",
        ),
        (
            {"selection": {"criterion": "welch", "warmup": 1}},
            "n_warmup_instances must be in [2, n_instances=6]",
        ),
    ],
)
def test_malformed_configs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, Any], message: str
) -> None:
    data = {**FAKE, **change}
    data = {k: v for k, v in data.items() if v is not None}
    assert main(["run", str(_config(tmp_path, data)), "--store", str(tmp_path / "s.sqlite")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("task: [unclosed", "invalid YAML at line 1"),
        ("- a\n- b\n", "must hold a mapping of sections"),
    ],
)
def test_unreadable_configs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    assert main(["run", str(_config(tmp_path, text=text))]) == 2
    assert message in capsys.readouterr().err


def test_status_of_a_missing_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", str(tmp_path / "nothing.sqlite")]) == 2
    assert "store not found" in capsys.readouterr().err
