"""The report's figures, one function each; every one returns a matplotlib Figure.

Figures are built on :class:`matplotlib.figure.Figure` directly, without pyplot:
nothing is shown, no global figure is kept, and saving goes through the Agg
renderer. Every figure is ``FIGSIZE`` inches at ``DPI`` (1920 x 1080 pixels),
with fonts sized for a slide.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, NullFormatter
from scipy import stats

from robustsel.measures import Qualities, check_direction, robustness
from robustsel.replay import worst_filled
from robustsel.report.data import ReportData, Uncertainty
from robustsel.table import RecordedResults
from robustsel.types import Direction

FIGSIZE = (12.8, 7.2)
DPI = 150

SELECTED = "#D55E00"
SURVIVING = "#0072B2"
REMOVED = "#9A9A9A"
REFERENCE = "#E69F00"
BASE = "#000000"

_SLIDE_STYLE: dict[Any, Any] = {
    "font.size": 15,
    "axes.titlesize": 17,
    "axes.labelsize": 16,
    "xtick.labelsize": 14,
    "ytick.labelsize": 14,
    "legend.fontsize": 13,
    "figure.titlesize": 19,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}

_CRITERIA: dict[Direction, tuple[tuple[str, str], ...]] = {
    "minimize": (
        ("mean", "Mean"),
        ("median", "Median"),
        ("q3", "Q3"),
        ("q3_iqr", "Q3 + IQR"),
        ("max", "Max"),
        ("min", "Min"),
    ),
    "maximize": (
        ("mean", "Mean"),
        ("median", "Median"),
        ("q1", "Q1"),
        ("q3_iqr", "Q1 − IQR"),
        ("min", "Min"),
        ("max", "Max"),
    ),
}
_CURVE_STYLES = (
    ("#000000", "-"),
    ("#0072B2", "--"),
    ("#009E73", "-"),
    ("#D55E00", "-."),
    ("#CC79A7", ":"),
    ("#E69F00", "--"),
)


@contextmanager
def _slide_style() -> Iterator[None]:
    with mpl.rc_context(_SLIDE_STYLE):
        yield


def _figure() -> Figure:
    return Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")


def plot_model_path(
    data: ReportData, *, measure: str = "mean", width_measure: str = "std"
) -> Figure:
    """Figure 1, the model path: each model's robustness after every step.

    Top: ``measure`` of each model's instances so far against the step; bottom:
    ``width_measure`` (log scale). Removed models (grey) end at the step that
    removed them; surviving models are blue, the selected model red, the base
    model black; a star marks the reference model (best by the criterion's
    measure) at each decision.

    Parameters
    ----------
    data : ReportData
        The selection.
    measure : str, default="mean"
        Level measure of the top panel (see :mod:`robustsel.measures`).
    width_measure : str, default="std"
        Width measure of the bottom panel.
    """
    steps = np.arange(1, data.n_steps + 1)
    level = _finite_or_nan(data.running(measure))
    width = _finite_or_nan(data.running(width_measure))
    with _slide_style():
        fig = _figure()
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
        for ax, values in ((top, level), (bottom, width)):
            _draw_paths(ax, steps, values, data)
            _mark_phases(ax, data)
        _mark_references(top, level, data)
        top.set_ylim(*_level_limits(level, data.direction))
        bottom.set_yscale("log")
        bottom.yaxis.set_minor_formatter(NullFormatter())
        bottom.set_ylim(*_width_limits(width))
        top.set_ylabel(f"{data.metric} {measure}")
        bottom.set_ylabel(f"{width_measure} (log scale)")
        bottom.set_xlabel("step s (instances per model)")
        bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
        bottom.set_xlim(0.8, data.n_steps + 0.2)
        fig.legend(handles=_path_legend(data), loc="outside right upper")
        top.set_title(f"Model path: {len(data.models)} models, {data.metric} after each step")
    return fig


def _finite_or_nan(values: Qualities) -> Qualities:
    return np.where(np.isfinite(values), values, np.nan)


def _draw_paths(ax: Axes, steps: np.ndarray, values: Qualities, data: ReportData) -> None:
    ids = data.model_ids
    remaining = set(data.remaining_models)
    groups = {
        "removed": [r for r, m in enumerate(ids) if m not in remaining],
        "surviving": [r for r, m in enumerate(ids) if m in remaining],
    }
    faint = 0.35 if len(groups["removed"]) > 100 else 0.7
    styles = {
        "removed": (REMOVED, 0.8 if faint < 0.5 else 1.2, faint),
        "surviving": (SURVIVING, 1.6, 0.8),
    }
    for name, rows in groups.items():
        colour, width, alpha = styles[name]
        segments = [np.column_stack((steps, values[r])) for r in rows]
        ax.add_collection(LineCollection(segments, colors=colour, linewidths=width, alpha=alpha))
    if data.base_model_id is not None:
        row = values[ids.index(data.base_model_id)]
        ax.plot(steps, row, color=BASE, lw=2.2, ls="--", marker="P", ms=7)
    ax.plot(steps, values[ids.index(data.selected_model_id)], color=SELECTED, lw=3.2)


def _mark_phases(ax: Axes, data: ReportData) -> None:
    if data.decisions:
        first = data.decisions[0].step
        ax.axvspan(0.8, first - 0.05, color="0.9", zorder=0, lw=0)
    selection_end = len(data.n_models_per_step)
    if data.n_steps > selection_end > 0:
        ax.axvline(selection_end + 0.5, color=SELECTED, ls=":", lw=1.5)


def _mark_references(ax: Axes, level: Qualities, data: ReportData) -> None:
    ids = data.model_ids
    points = [(d.step, level[ids.index(d.reference_model_id), d.step - 1]) for d in data.decisions]
    if points:
        x, y = zip(*points, strict=True)
        ax.scatter(x, y, marker="*", s=170, color=REFERENCE, edgecolor="black", lw=0.8, zorder=5)


def _level_limits(values: Qualities, direction: Direction) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if direction == "maximize":
        low, high = np.percentile(finite, 3), finite.max()
    else:
        low, high = finite.min(), np.percentile(finite, 97)
    pad = 0.05 * (high - low) or 0.01 * abs(high) or 1.0
    return float(low - pad), float(high + pad)


def _width_limits(values: Qualities) -> tuple[float, float]:
    positive = values[np.isfinite(values) & (values > 0)]
    if positive.size == 0:
        return 1e-3, 1.0
    low, high = np.percentile(positive, [0.5, 99.5])
    return float(low / 1.5), float(high * 1.5)


def _path_legend(data: ReportData) -> list[Line2D | Patch]:
    handles: list[Line2D | Patch] = [
        Line2D([], [], color=SELECTED, lw=3.2, label=f"selected: {data.selected_model_id}")
    ]
    if len(data.remaining_models) > 1:
        handles.append(Line2D([], [], color=SURVIVING, lw=1.6, label="surviving models"))
    if data.removed_at:
        handles.append(Line2D([], [], color=REMOVED, lw=1.2, label="removed models"))
    if data.decisions:
        reference = Line2D(
            [],
            [],
            ls="",
            marker="*",
            ms=14,
            color=REFERENCE,
            markeredgecolor="black",
            label="reference model\nat each decision",
        )
        handles += [reference, Patch(color="0.9", label="warm-up")]
    if data.base_model_id is not None:
        handles.append(
            Line2D(
                [],
                [],
                color=BASE,
                lw=2.2,
                ls="--",
                marker="P",
                ms=7,
                label=f"base model: {data.base_model_id}",
            )
        )
    if data.n_steps > len(data.n_models_per_step) > 0:
        handles.append(Line2D([], [], color=SELECTED, ls=":", label="final instances start"))
    return handles


def plot_instance_distributions(data: ReportData, *, max_models: int = 25, seed: int = 0) -> Figure:
    """Figure 2: the instance qualities of the models left at the end.

    One box per model (quartiles, whiskers at 1.5 IQR) with its instances
    overlaid, best mean at the top. Shown: the models of the last decision (the
    survivors, and in grey the models that decision removed), at most
    ``max_models`` of them, the selected model (red) always among them.

    Parameters
    ----------
    data : ReportData
        The selection.
    max_models : int, default=25
        Most models shown (the best by mean).
    seed : int, default=0
        Seed of the points' vertical jitter.

    Raises
    ------
    ValueError
        ``max_models`` below 1.
    """
    if max_models < 1:
        raise ValueError(f"max_models must be >= 1; got {max_models}.")
    shown = _finalists(data, max_models)
    removed = data.removed_at
    rng = np.random.default_rng(seed)
    with _slide_style():
        fig = _figure()
        ax = fig.subplots()
        samples = [_finite(data.instance_qualities(m)) for m in shown]
        positions = np.arange(len(shown), 0, -1)
        boxes = ax.boxplot(
            samples,
            positions=positions,
            orientation="horizontal",
            widths=0.6,
            patch_artist=True,
            showfliers=False,
            showmeans=True,
            medianprops={"color": "black", "lw": 1.5},
            meanprops={"marker": "D", "markerfacecolor": "white", "markeredgecolor": "black"},
        )
        for m, box, sample, y in zip(shown, boxes["boxes"], samples, positions, strict=True):
            colour = _model_colour(m, data.selected_model_id, removed)
            box.set(facecolor=colour, alpha=0.3, edgecolor=colour, linewidth=1.5)
            jitter = rng.uniform(-0.18, 0.18, size=len(sample))
            ax.scatter(sample, y + jitter, s=22, color=colour, alpha=0.85, zorder=3, lw=0)
        ax.set_yticks(positions, labels=shown, fontsize=min(13.0, 330 / len(shown)))
        for label, m in zip(ax.get_yticklabels(), shown, strict=True):
            label.set_color(_model_colour(m, data.selected_model_id, removed, text=True))
        ax.set_xlabel(data.metric)
        fig.legend(handles=_distribution_legend(data, shown), loc="outside right upper")
        n_left = len(data.remaining_models)
        ax.set_title(
            f"Instance distributions: {n_left} surviving model{'s' if n_left != 1 else ''}"
            + (f" (best {len(shown)} shown)" if len(shown) < len(_finalists(data, None)) else "")
        )
    return fig


def _finite(values: Qualities) -> Qualities:
    return values[np.isfinite(values)]


def _finalists(data: ReportData, limit: int | None) -> list[str]:
    candidates = list(data.decisions[-1].models_before) if data.decisions else data.model_ids
    rows = [data.model_ids.index(m) for m in candidates]
    means = robustness(data.qualities[rows], "mean", direction=data.direction)
    ranked = np.argsort(-means if data.direction == "maximize" else means, kind="stable")
    ordered = [candidates[i] for i in ranked]
    if limit is None or len(ordered) <= limit:
        return ordered
    shown = ordered[:limit]
    if data.selected_model_id not in shown:
        shown[-1] = data.selected_model_id
    return shown


def _model_colour(model_id: str, selected: str, removed: dict[str, int], text: bool = False) -> str:
    if model_id == selected:
        return SELECTED
    if model_id in removed:
        return "#6E6E6E" if text else REMOVED
    return SURVIVING


def _distribution_legend(data: ReportData, shown: list[str]) -> list[Patch | Line2D]:
    handles: list[Patch | Line2D] = [
        Patch(color=SELECTED, label=f"selected: {data.selected_model_id}")
    ]
    if any(m != data.selected_model_id and m not in data.removed_at for m in shown):
        handles.append(Patch(color=SURVIVING, label="surviving"))
    if any(m in data.removed_at for m in shown):
        handles.append(Patch(color=REMOVED, label=f"removed at step {data.decisions[-1].step}"))
    mean = Line2D([], [], ls="", marker="D", mfc="white", mec="black", label="mean")
    return [*handles, mean, Line2D([], [], color="black", lw=1.5, label="median")]


def plot_cost(data: ReportData) -> Figure:
    """Figure 3: what the selection trained.

    Left: models trained at each step (log scale, as in the paper's "number of
    models trained per step"), final instances of the selected model in red.
    Right: cumulative training cost against the step, with the exhaustive
    search's total (training time when known, else instances).
    """
    counts = (~np.isnan(data.qualities[:, : data.n_steps])).sum(axis=0)
    steps = np.arange(1, data.n_steps + 1)
    selection_end = max(len(data.n_models_per_step), 1)
    with _slide_style():
        fig = _figure()
        left, right = fig.subplots(1, 2)
        colours = [SURVIVING if s <= selection_end else SELECTED for s in steps]
        left.bar(steps, counts, color=colours, width=0.8)
        left.set_yscale("log")
        left.set_ylim(0.7, counts.max() * 2.0)
        if data.n_steps <= 30:
            left.bar_label(left.containers[0], fontsize=9 if data.n_steps > 15 else 12, padding=2)
        left.set_xlabel("step s")
        left.set_ylabel("models trained (log)")
        left.xaxis.set_major_locator(MaxNLocator(integer=True))
        left.set_title("Models trained per step")
        left.legend(handles=_cost_legend(data.n_steps > selection_end), loc="upper right")
        _plot_cumulative(right, steps, data)
        fig.suptitle(_cost_title(data))
    return fig


def _cost_legend(has_final: bool) -> list[Patch]:
    handles = [Patch(color=SURVIVING, label="selection steps")]
    if has_final:
        handles.append(Patch(color=SELECTED, label="final instances of the selected model"))
    return handles


def _plot_cumulative(ax: Axes, steps: np.ndarray, data: ReportData) -> None:
    cost = data.cost
    if data.costs is not None and math.isfinite(cost.exhaustive_time) and cost.exhaustive_time > 0:
        divisor, unit = _time_unit(cost.exhaustive_time)
        cumulative = np.cumsum(data.step_costs()) / divisor
        total, label = cost.exhaustive_time / divisor, f"training time ({unit})"
    else:
        cumulative = np.cumsum((~np.isnan(data.qualities[:, : data.n_steps])).sum(axis=0))
        total, label = float(cost.exhaustive_instances), "instances trained"
    ax.plot(steps, cumulative, color=SURVIVING, lw=3, marker="o", ms=5, label="this selection")
    ax.axhline(total, color="black", ls="--", lw=2, label="exhaustive search")
    ax.text(
        steps[-1],
        cumulative[-1],
        f" {cost.fraction:.1%}",
        color=SURVIVING,
        va="bottom",
        ha="right",
        fontsize=16,
        fontweight="bold",
    )
    ax.set_ylim(0, total * 1.08)
    ax.set_xlabel("step s")
    ax.set_ylabel(f"cumulative {label}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Cumulative cost against the exhaustive search")
    ax.legend(loc="center right")


def _time_unit(seconds: float) -> tuple[float, str]:
    if seconds >= 7200:
        return 3600.0, "h"
    if seconds >= 120:
        return 60.0, "min"
    return 1.0, "s"


def _cost_title(data: ReportData) -> str:
    cost = data.cost
    text = (
        f"Cost: {cost.instances_trained:,} of {cost.exhaustive_instances:,} instances "
        f"({cost.instance_fraction:.1%})"
    )
    if math.isfinite(cost.time) and math.isfinite(cost.exhaustive_time):
        divisor, unit = _time_unit(cost.exhaustive_time)
        text += (
            f", {cost.time / divisor:,.0f} of {cost.exhaustive_time / divisor:,.0f} {unit} "
            f"of training ({cost.fraction:.1%})"
        )
    return text


def plot_criteria_comparison(table: RecordedResults, direction: Direction) -> Figure:
    """Figure 4: how the six robustness measures rank a whole search space.

    For each measure (Mean, Median, Q3, Q3 + IQR, Max, Min for a loss; the mirror
    Mean, Median, Q1, Q1 − IQR, Min, Max for a metric to maximize), the fraction
    of models whose measure over all their instances is better than a given
    value: below it for a loss, above it for a metric to maximize (the paper's
    figure "model selection criterion"). Missing or diverged instances count as
    the worst value; a model whose measure is then infinite is never counted.

    Parameters
    ----------
    table : RecordedResults
        Every instance of every model (recorded results, or an exhaustive run).
    direction : {"minimize", "maximize"}
        Direction of the table's metric.

    Raises
    ------
    ValueError
        Unknown direction, or a table without every instance of every model.
    """
    check_direction(direction)
    if not table.is_complete:
        raise ValueError(
            "the criteria comparison needs every instance of every model; the table lacks some."
        )
    qualities = worst_filled(table.qualities, direction)
    with _slide_style():
        fig = _figure()
        ax = fig.subplots()
        shown: list[Qualities] = []
        for (measure, label), (colour, style) in zip(
            _CRITERIA[direction], _CURVE_STYLES, strict=True
        ):
            values = robustness(qualities, measure, direction=direction)
            finite = values[np.isfinite(values)]
            if finite.size == 0:
                continue
            result = stats.ecdf(finite)
            curve = result.cdf if direction == "minimize" else result.sf
            fraction = curve.probabilities * finite.size / values.size
            ax.step(
                curve.quantiles, fraction, where="post", color=colour, ls=style, lw=2.6, label=label
            )
            shown.append(finite)
        _criteria_limits(ax, shown, direction)
        relation = "below" if direction == "minimize" else "above"
        ax.set_xlabel(f"{table.metric}: criterion value x")
        ax.set_ylabel(f"fraction of models with criterion {relation} x")
        ax.set_ylim(-0.02, 1.02)
        fig.legend(title="criterion", loc="outside right upper")
        ax.set_title(
            f"Criteria comparison: {len(table.models)} models, {table.n_instances} instances each"
        )
    return fig


def _criteria_limits(ax: Axes, shown: list[Qualities], direction: Direction) -> None:
    if not shown:
        return
    pooled = np.concatenate(shown)
    if direction == "minimize":
        low, high = pooled.min(), np.percentile(pooled, 98)
    else:
        low, high = np.percentile(pooled, 2), pooled.max()
    pad = 0.03 * (high - low) or 0.01
    ax.set_xlim(low - pad, high + pad)


def plot_selected_model(data: ReportData, uncertainty: Uncertainty | None = None) -> Figure:
    """Figure 5: the selected model's quality over its instances.

    A histogram of its instance qualities with each instance as a tick below it;
    lines at the mean, the median and the quartiles; bands for mean ± standard
    deviation and for the bootstrap confidence interval of the mean; the numbers
    beside the plot.

    Parameters
    ----------
    data : ReportData
        The selection.
    uncertainty : Uncertainty, optional
        The numbers to show; default ``data.uncertainty()``.
    """
    u = uncertainty or data.uncertainty()
    values = _finite(data.instance_qualities(data.selected_model_id))
    with _slide_style():
        fig = _figure()
        ax, side = fig.subplots(1, 2, width_ratios=[3, 1])
        ax.axvspan(u.mean - u.std, u.mean + u.std, color="0.88", zorder=0, label="mean ± std")
        if math.isfinite(u.ci_low):
            ax.axvspan(
                u.ci_low,
                u.ci_high,
                color=SELECTED,
                alpha=0.25,
                zorder=1,
                lw=0,
                label=f"{u.confidence_level:.0%} bootstrap CI of the mean",
            )
        ax.hist(
            values,
            bins="auto",
            color=SURVIVING,
            alpha=0.55,
            edgecolor="white",
            zorder=2,
            label="instances",
        )
        ax.axvline(u.mean, color=SELECTED, lw=3, zorder=4, label="mean")
        ax.axvline(u.median, color="black", lw=2, ls="--", zorder=4, label="median")
        for q in (u.q1, u.q3):
            ax.axvline(q, color="black", lw=1.5, ls=":", zorder=4)
        ax.plot([], [], color="black", lw=1.5, ls=":", label="Q1, Q3")
        top = ax.get_ylim()[1]
        ax.plot(
            values, np.full_like(values, -0.04 * top), "|", color="black", ms=18, mew=1.8, zorder=5
        )
        ax.set_ylim(-0.08 * top, top)
        ax.set_xlabel(data.metric)
        ax.set_ylabel("instances")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(f"Selected model {u.model_id}: {data.metric} over {u.n_instances} instances")
        _uncertainty_text(side, u, data.metric)
        side.legend(*ax.get_legend_handles_labels(), loc="lower left", fontsize=13, borderaxespad=0)
    return fig


def _uncertainty_text(ax: Axes, u: Uncertainty, metric: str) -> None:
    ax.axis("off")
    f = u.formatted()
    lines = [
        metric,
        "",
        f"mean    {f['mean']}",
        f"std     {f['std']}",
        f"{u.confidence_level:.0%} CI of the mean",
        f"  [{f['ci_low']}, {f['ci_high']}]",
        "",
        f"median  {f['median']}",
        f"Q1      {f['q1']}",
        f"Q3      {f['q3']}",
        f"min     {f['minimum']}",
        f"max     {f['maximum']}",
        f"n       {u.n_instances}",
    ]
    ax.text(
        0.0,
        1.0,
        "\n".join(lines),
        va="top",
        ha="left",
        family="monospace",
        fontsize=15,
        transform=ax.transAxes,
    )
