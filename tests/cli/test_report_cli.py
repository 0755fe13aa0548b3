from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from robustsel.cli import main
from robustsel.table import write_wide
from robustsel.testing import synthetic_results

AUTHORS_ORDER = "1,18,16,2,9,6,12,4,19,17,14,3,10,20,5,13,8,11,15,7"
FIGURES = [
    "cost.png",
    "criteria_comparison.png",
    "instance_distributions.png",
    "model_path.png",
    "selected_model.png",
]


def png_size(path: Path) -> tuple[int, int]:
    content = path.read_bytes()
    assert content[:8] == b"\x89PNG\r\n\x1a\n" and content[12:16] == b"IHDR"
    width, height = struct.unpack(">II", content[16:24])
    return int(width), int(height)


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A replay JSON of a generated table, written by ``robustsel replay --json``."""
    folder = tmp_path_factory.mktemp("replayed")
    table = folder / "table.csv"
    write_wide(synthetic_results([0.9, 0.899, 0.85, 0.8, 0.7], 0.01, 8, seed=5), table)
    out = folder / "run.json"
    args = ["replay", str(table), "--order-seed", "3", "--final-instances", "8", "--json", str(out)]
    assert main(args) == 0
    return out


def test_replay_json_records_its_source(replayed: Path) -> None:
    recorded = json.loads(replayed.read_text())
    assert recorded["source"] == {
        "files": [str((replayed.parent / "table.csv").resolve())],
        "metric": "ValAccuracy",
        "where": None,
    }
    assert recorded["final_instances"] == 8


def test_report_of_a_replay_json(replayed: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "report"
    assert main(["report", str(replayed), "--out", str(out), "--title", "Five models"]) == 0
    assert f"wrote {out / 'index.html'}" in capsys.readouterr().out.replace("\n", "")
    assert sorted(p.name for p in out.glob("*.png")) == FIGURES
    assert all(png_size(out / name) == (1920, 1080) for name in FIGURES)
    page = (out / "index.html").read_text(encoding="utf-8")
    selected = json.loads(replayed.read_text())["selected_model"]
    assert all(f'src="{name}"' in page for name in FIGURES)
    assert selected in page and "<h1>Five models</h1>" in page
    assert "bootstrap CI of the mean" in page


def test_table_option_overrides_the_recorded_files(replayed: Path, tmp_path: Path) -> None:
    moved = tmp_path / "moved.csv"
    moved.write_bytes((replayed.parent / "table.csv").read_bytes())
    run = tmp_path / "run.json"
    recorded = json.loads(replayed.read_text())
    run.write_text(json.dumps({**recorded, "source": None}))
    assert main(["report", str(run), "--out", str(tmp_path / "r"), "--table", str(moved)]) == 0
    assert (tmp_path / "r" / "index.html").is_file()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"SQLite format 3\x00rest", "run.bin", "run.bin is not a robustsel store"),
        (b"", "study.db", "study.db is not a robustsel store"),
        (b"{not json", "run.json", "run.json is not a replay JSON: Expecting property name"),
        (b'{"criterion": "welch"}', "run.json", "lacks measure, warmup, direction"),
    ],
)
def test_bad_runs(tmp_path: Path, capsys, content: bytes, name: str, message: str) -> None:
    run = tmp_path / name
    run.write_bytes(content)
    assert main(["report", str(run), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_run_without_its_table(replayed: Path, tmp_path: Path, capsys) -> None:
    run = tmp_path / "run.json"
    run.write_text(json.dumps({**json.loads(replayed.read_text()), "source": None}))
    assert main(["report", str(run), "--out", str(tmp_path / "out")]) == 2
    assert "run.json does not name the table it replayed; give --table FILE." in (
        capsys.readouterr().err
    )


def test_another_table_does_not_reproduce_the_run(replayed: Path, tmp_path: Path, capsys) -> None:
    other = tmp_path / "other.csv"
    write_wide(synthetic_results([0.7, 0.8, 0.85, 0.899, 0.9], 0.01, 8, seed=5), other)
    code = main(["report", str(replayed), "--out", str(tmp_path / "o"), "--table", str(other)])
    assert code == 2
    assert "the table does not reproduce run.json" in capsys.readouterr().err


def test_missing_run(tmp_path: Path, capsys) -> None:
    assert main(["report", str(tmp_path / "none.json"), "--out", str(tmp_path)]) == 2
    assert "run not found" in capsys.readouterr().err


def test_report_of_the_authors_replay(authors_files: list[Path], tmp_path: Path) -> None:
    run = tmp_path / "welch.json"
    files = [str(f) for f in authors_files]
    args = ["replay", *files, "--criterion", "welch", "--warmup", "2", "--order", AUTHORS_ORDER]
    args += ["--where", "dt_len == 30000"]
    assert main([*args, "--json", str(run)]) == 0
    out = tmp_path / "report"
    assert main(["report", str(run), "--out", str(out), "--base-model", "model_e169bb1c"]) == 0
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "model_02ff9681" in page and "0.9145 ± 0.0027" in page
    assert "[0.9133, 0.9156]" in page
    assert all(png_size(out / name) == (1920, 1080) for name in FIGURES)
