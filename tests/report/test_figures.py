from __future__ import annotations

import io
import struct
from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from robustsel.report import (
    ReportData,
    plot_cost,
    plot_criteria_comparison,
    plot_instance_distributions,
    plot_model_path,
    plot_selected_model,
)
from robustsel.report.figures import DPI, FIGSIZE, SELECTED
from robustsel.table import RecordedResults
from robustsel.testing import synthetic_results

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

DRAWERS: dict[str, Callable[[ReportData], Figure]] = {
    "model_path": plot_model_path,
    "instance_distributions": plot_instance_distributions,
    "cost": plot_cost,
    "selected_model": plot_selected_model,
}


def png_size(content: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, after checking its signature."""
    assert content[:8] == PNG_SIGNATURE and content[12:16] == b"IHDR"
    width, height = struct.unpack(">II", content[16:24])
    return int(width), int(height)


def rendered(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


@pytest.mark.parametrize("name", list(DRAWERS))
@pytest.mark.parametrize("source", ["synthetic_data", "live_data"])
def test_figure_renders_at_slide_size(
    name: str, source: str, request: pytest.FixtureRequest
) -> None:
    fig = DRAWERS[name](request.getfixturevalue(source))
    assert isinstance(fig, Figure)
    assert tuple(fig.get_size_inches()) == FIGSIZE
    assert png_size(rendered(fig)) == (1920, 1080)
    assert plt.get_fignums() == []  # no pyplot figure left open, nothing shown


def test_model_path_lines_and_stars(synthetic_data: ReportData) -> None:
    fig = plot_model_path(synthetic_data)
    top, bottom = fig.axes
    removed, surviving = (c for c in top.collections if isinstance(c, LineCollection))
    assert len(removed.get_segments()) == len(synthetic_data.removed_at)
    assert len(surviving.get_segments()) == len(synthetic_data.remaining_models)
    stars = [c for c in top.collections if not isinstance(c, LineCollection)]
    assert len(stars[0].get_offsets()) == len(synthetic_data.decisions)
    assert bottom.get_yscale() == "log"
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert f"selected: {synthetic_data.selected_model_id}" in labels
    assert "base model: m4" in labels


def test_distributions_show_the_finalists_best_first(synthetic_data: ReportData) -> None:
    fig = plot_instance_distributions(synthetic_data)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    last = synthetic_data.decisions[-1]
    assert set(labels) == set(last.models_before)
    means = [synthetic_data.instance_qualities(m).mean() for m in labels]
    assert np.all(np.diff(means) <= 0)  # best (largest accuracy) at the top
    selected = labels.index(synthetic_data.selected_model_id)
    assert ax.get_yticklabels()[selected].get_color() == SELECTED


def test_distributions_keep_the_selected_model_when_capped(live_data: ReportData) -> None:
    fig = plot_instance_distributions(live_data, max_models=1)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["cfg7"]
    with pytest.raises(ValueError, match=r"max_models must be >= 1; got 0\."):
        plot_instance_distributions(live_data, max_models=0)


def test_cost_bars_count_models_per_step(live_data: ReportData) -> None:
    fig = plot_cost(live_data)
    bars, cumulative = fig.axes
    heights = [p.get_height() for p in bars.patches]
    assert heights == [8, 8, 4, 2] + [1] * 8
    assert bars.get_yscale() == "log"
    line = cumulative.get_lines()[0]
    assert line.get_ydata()[-1] == live_data.cost.instances_trained
    assert "30 of 32 instances" in fig.texts[0].get_text()


def test_cost_in_hours_against_the_exhaustive_search(synthetic_data: ReportData) -> None:
    fig = plot_cost(synthetic_data)
    cumulative = fig.axes[1]
    assert cumulative.get_ylabel() == "cumulative training time (h)"
    exhaustive = cumulative.get_lines()[1]
    assert exhaustive.get_ydata()[0] * 3600 == pytest.approx(synthetic_data.cost.exhaustive_time)


@pytest.mark.parametrize(
    ("direction", "labels", "relation"),
    [
        ("minimize", ["Mean", "Median", "Q3", "Q3 + IQR", "Max", "Min"], "below"),
        ("maximize", ["Mean", "Median", "Q1", "Q1 − IQR", "Min", "Max"], "above"),
    ],
)
def test_criteria_comparison_curves(
    synthetic_table: RecordedResults, direction: str, labels: list[str], relation: str
) -> None:
    fig = plot_criteria_comparison(synthetic_table, direction)  # type: ignore[arg-type]
    ax = fig.axes[0]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == labels
    assert relation in ax.get_ylabel()
    for line in ax.get_lines():
        fractions = line.get_ydata()
        assert fractions.min() >= 0 and fractions.max() <= 1
    mean = ax.get_lines()[0]
    ends = (mean.get_ydata()[-1], mean.get_ydata()[0])
    assert ends == ((1.0, 1 / 12) if direction == "minimize" else (0.0, 11 / 12))


def test_criteria_comparison_counts_diverged_models_as_never_good() -> None:
    table = synthetic_results([0.2, 0.3, 0.4, 0.5], 0.01, 5, metric="ValLoss")
    table.qualities[0, 2] = np.nan  # diverged: the worst loss, so its Max is infinite
    fig = plot_criteria_comparison(table, "minimize")
    curves = {line.get_label(): line for line in fig.axes[0].get_lines()}
    assert curves["Max"].get_ydata().max() == pytest.approx(0.75)
    assert curves["Min"].get_ydata().max() == pytest.approx(1.0)


def test_criteria_comparison_needs_every_instance(synthetic_table: RecordedResults) -> None:
    recorded = np.ones(synthetic_table.qualities.shape, bool)
    recorded[0, 0] = False
    table = RecordedResults(
        synthetic_table.metric,
        synthetic_table.models,
        synthetic_table.qualities,
        synthetic_table.costs,
        synthetic_table.instance_labels,
        recorded,
    )
    with pytest.raises(ValueError, match="needs every instance of every model"):
        plot_criteria_comparison(table, "maximize")


def test_selected_model_quotes_its_uncertainty(synthetic_data: ReportData) -> None:
    u = synthetic_data.uncertainty()
    fig = plot_selected_model(synthetic_data, u)
    text = "\n".join(t.get_text() for ax in fig.axes for t in ax.texts)
    f = u.formatted()
    for key in ("mean", "std", "ci_low", "ci_high", "median", "q1", "q3"):
        assert f[key] in text
    assert synthetic_data.selected_model_id in fig.axes[0].get_title()


def test_authors_model_path(authors_data: ReportData) -> None:
    fig = plot_model_path(authors_data)
    removed = fig.axes[0].collections[0]
    assert len(removed.get_segments()) == 604 - len(authors_data.remaining_models)
    assert png_size(rendered(fig)) == (1920, 1080)
