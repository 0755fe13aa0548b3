from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest
from matplotlib.image import imread

from robustsel.report import ReportData, write_report
from robustsel.table import RecordedResults

FIGURES = ["model_path.png", "instance_distributions.png", "cost.png", "selected_model.png"]
ALL_FIGURES = [*FIGURES[:3], "criteria_comparison.png", FIGURES[3]]


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG file, after checking its signature and header."""
    content = path.read_bytes()
    assert content[:8] == b"\x89PNG\r\n\x1a\n" and content[12:16] == b"IHDR"
    width, height = struct.unpack(">II", content[16:24])
    return int(width), int(height)


def check_report(index: Path, data: ReportData, figures: list[str]) -> str:
    """Check the files of a report and return its page."""
    assert index.name == "index.html"
    assert sorted(p.name for p in index.parent.glob("*.png")) == sorted(figures)
    page = index.read_text(encoding="utf-8")
    for name in figures:
        assert png_size(index.parent / name) == (1920, 1080)
        assert imread(index.parent / name).shape[:2] == (1080, 1920)
        assert f'<img src="{name}"' in page
    assert re.findall(r'src="([^"]+)"', page) == figures
    assert data.selected_model_id in page
    u = data.uncertainty().formatted()
    for key in ("mean", "std", "median", "q1", "q3", "minimum", "maximum"):
        assert f">{u[key]}<" in page
    assert f"[{u['ci_low']}, {u['ci_high']}]" in page
    assert not re.search(r"https?://|<script|<link|@import|url\(", page)
    return page


@pytest.fixture(scope="module")
def synthetic_report(
    synthetic_data: ReportData, synthetic_table: RecordedResults, tmp_path_factory
) -> Path:
    return write_report(synthetic_data, tmp_path_factory.mktemp("synthetic"), table=synthetic_table)


def test_report_of_a_replay(synthetic_report: Path, synthetic_data: ReportData) -> None:
    page = check_report(synthetic_report, synthetic_data, ALL_FIGURES)
    assert "<h1>&lt;b&gt;gen&lt;/b&gt; &amp; co</h1>" in page  # the title is escaped
    assert '<th>true_mean</th><td class="num">0.898</td>' in page  # selected: m2
    assert "in the exhaustive best set" in page
    for decision in synthetic_data.decisions:
        assert f"<tr><th>{decision.step}</th>" in page


def test_report_of_a_tiny_live_run(live_data: ReportData, tmp_path: Path) -> None:
    out = tmp_path / "new" / "report"
    out.mkdir(parents=True)
    (out / "index.html").write_text("an earlier report")
    index = write_report(live_data, out)
    page = check_report(index, live_data, FIGURES)  # incomplete: no criteria comparison
    assert page.startswith("<!DOCTYPE html>") and "Criteria comparison" not in page
    assert "cfg7" in page and "<th>width</th>" in page
    assert "exhaustive best set" not in page  # no exhaustive answer in a live run


def test_report_of_the_authors_selection(
    authors_data: ReportData, authors_30k: RecordedResults, tmp_path: Path
) -> None:
    index = write_report(authors_data, tmp_path, table=authors_30k)
    page = check_report(index, authors_data, ALL_FIGURES)
    assert "model_02ff9681" in page and "0.9145 ± 0.0027" in page
    assert "<th>base model</th><td>model_e169bb1c</td>" in page
    assert '<th>instances</th><td class="num">1,840</td><td class="num">12,080</td>' in page
