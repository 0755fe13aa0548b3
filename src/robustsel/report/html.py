"""The report page: the figures as PNG files and a self-contained ``index.html``.

The page has inline CSS, links its images by relative path and loads nothing
from the network, so the folder can be copied, zipped or opened offline. Every
text taken from the data is HTML-escaped.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from robustsel.report.data import ReportData, Uncertainty
from robustsel.report.figures import (
    DPI,
    _time_unit,
    plot_cost,
    plot_criteria_comparison,
    plot_instance_distributions,
    plot_model_path,
    plot_selected_model,
)
from robustsel.table import RecordedResults

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto;
       max-width: 1200px; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.8rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.35rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
.lead { font-size: 1.15rem; color: #444; }
.grid { display: flex; flex-wrap: wrap; gap: 2rem; }
table { border-collapse: collapse; margin: 0.6rem 0; font-size: 0.95rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.7rem; text-align: left; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.5rem 0; }
figure img { width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #444; margin-top: 0.4rem; }
code { background: #f3f3f3; padding: 0 0.2rem; }
"""

_CAPTIONS = {
    "model_path.png": (
        "Model path",
        "Each model's mean (top) and standard deviation (bottom, log scale) of its instance "
        "qualities after every step. Removed models (grey) end at the step that removed them; "
        "stars mark the reference model of each decision.",
    ),
    "instance_distributions.png": (
        "Instance distributions",
        "The instance qualities of the models left at the last decision (box: quartiles, "
        "whiskers: 1.5 IQR; points: instances), the selected model in red.",
    ),
    "cost.png": (
        "Cost",
        "Models trained per step (log scale) and the cumulative training cost against the "
        "exhaustive search.",
    ),
    "criteria_comparison.png": (
        "Criteria comparison",
        "Over every instance of every model of the table: the fraction of models whose "
        "robustness measure is better than a given value, for six measures.",
    ),
    "selected_model.png": (
        "The selected model",
        "Its instance qualities with mean, standard deviation, quartiles and the bootstrap "
        "confidence interval of the mean: the uncertainty to quote.",
    ),
}


def write_report(
    data: ReportData, out_dir: str | Path, *, table: RecordedResults | None = None
) -> Path:
    """Write the report of a selection: PNG figures and ``index.html``.

    Parameters
    ----------
    data : ReportData
        The selection.
    out_dir : path
        Folder to write to; created when missing; files of an earlier report are
        replaced.
    table : RecordedResults, optional
        Every instance of every model, for the criteria comparison (figure 4).
        When it is None or incomplete, ``data.complete_table()`` is used, so the
        figure appears for an exhaustive run and is left out otherwise.

    Returns
    -------
    Path
        The written ``index.html``.

    Examples
    --------
    >>> import tempfile
    >>> from robustsel.criteria import Welch
    >>> from robustsel.replay import replay
    >>> from robustsel.testing import synthetic_results
    >>> table = synthetic_results([0.90, 0.85, 0.80], 0.01, 6)
    >>> data = ReportData.from_replay(replay(table, Welch()), table)
    >>> with tempfile.TemporaryDirectory() as out:
    ...     index = write_report(data, out, table=table)
    ...     sorted(p.name for p in index.parent.glob("*.png"))  # doctest: +NORMALIZE_WHITESPACE
    ['cost.png', 'criteria_comparison.png', 'instance_distributions.png',
     'model_path.png', 'selected_model.png']
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    uncertainty = data.uncertainty()
    full = table if table is not None and table.is_complete else data.complete_table()
    written = []
    for name, draw in _figure_makers(data, full, uncertainty):
        draw().savefig(out / name, dpi=DPI)
        written.append(name)
    index = out / "index.html"
    index.write_text(_page(data, uncertainty, written), encoding="utf-8")
    return index


def _figure_makers(
    data: ReportData, table: RecordedResults | None, uncertainty: Uncertainty
) -> list[tuple[str, Callable[[], Figure]]]:
    makers: list[tuple[str, Callable[[], Figure]]] = [
        ("model_path.png", lambda: plot_model_path(data)),
        ("instance_distributions.png", lambda: plot_instance_distributions(data)),
        ("cost.png", lambda: plot_cost(data)),
    ]
    if table is not None:
        makers.append(
            ("criteria_comparison.png", lambda: plot_criteria_comparison(table, data.direction))
        )
    makers.append(("selected_model.png", lambda: plot_selected_model(data, uncertainty)))
    return makers


def _page(data: ReportData, u: Uncertainty, figures: Sequence[str]) -> str:
    f = u.formatted()
    level = f"{u.confidence_level:.0%}"
    lead = (
        f"Selected model <strong>{_e(u.model_id)}</strong>: {_e(data.metric)} "
        f"{f['mean']} ± {f['std']} (mean ± std over {u.n_instances} instances; "
        f"{level} CI of the mean [{f['ci_low']}, {f['ci_high']}])"
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{_e(data.title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{_e(data.title)}</h1>",
        f'<p class="lead">{lead}</p>',
        '<div class="grid">',
        _section("Selected model", _table(["", ""], _model_rows(data), header=False)),
        _section("Uncertainty", _table(["statistic", data.metric], _uncertainty_rows(u))),
        _section(
            "Cost", _table(["", "selection", "exhaustive search", "fraction"], _cost_rows(data))
        ),
        _section("Settings", _table(["", ""], _settings_rows(data), header=False)),
        "</div>",
        *(_figure(name) for name in figures),
        _section("Steps", _table(_STEP_HEADER, _step_rows(data))),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _e(value: object) -> str:
    return html.escape(str(value))


def _section(title: str, body: str) -> str:
    return f"<section>\n<h2>{_e(title)}</h2>\n{body}\n</section>"


def _figure(name: str) -> str:
    heading, caption = _CAPTIONS[name]
    return (
        f"<figure>\n<h2>{_e(heading)}</h2>\n"
        f'<img src="{_e(name)}" alt="{_e(heading)}">\n'
        f"<figcaption>{_e(caption)}</figcaption>\n</figure>"
    )


def _table(columns: Sequence[str], rows: Iterable[Sequence[object]], *, header: bool = True) -> str:
    lines = ["<table>"]
    if header:
        lines.append("<tr>" + "".join(f"<th>{_e(c)}</th>" for c in columns) + "</tr>")
    for row in rows:
        cells = [f"<th>{_e(row[0])}</th>"]
        cells += [
            f'<td class="num">{_e(v)}</td>' if _is_number(v) else f"<td>{_e(v)}</td>"
            for v in row[1:]
        ]
        lines.append("<tr>" + "".join(cells) + "</tr>")
    lines.append("</table>")
    return "\n".join(lines)


def _is_number(value: object) -> bool:
    text = str(value).replace(",", "").replace("%", "").strip()
    try:
        float(text)
    except ValueError:
        return False
    return True


def _model_rows(data: ReportData) -> list[tuple[str, object]]:
    model_id = data.selected_model_id
    rows: list[tuple[str, object]] = [("model", model_id)]
    params = data.models.loc[model_id]
    rows += [(str(k), v) for k, v in params.items() if not pd.isna(v)]
    rows.append(("instances trained", int(data.n_trained[data.model_ids.index(model_id)])))
    if data.base_model_id is not None:
        rows.append(("base model", data.base_model_id))
    return rows


def _uncertainty_rows(u: Uncertainty) -> list[tuple[str, str]]:
    f = u.formatted()
    return [
        ("mean", f["mean"]),
        ("standard deviation", f["std"]),
        (f"{u.confidence_level:.0%} bootstrap CI of the mean", f"[{f['ci_low']}, {f['ci_high']}]"),
        ("median", f["median"]),
        ("Q1", f["q1"]),
        ("Q3", f["q3"]),
        ("min", f["minimum"]),
        ("max", f["maximum"]),
        ("instances", str(u.n_instances)),
    ]


def _cost_rows(data: ReportData) -> list[tuple[str, ...]]:
    cost = data.cost
    rows: list[tuple[str, ...]] = [
        (
            "instances",
            f"{cost.instances_trained:,}",
            f"{cost.exhaustive_instances:,}",
            f"{cost.instance_fraction:.1%}",
        )
    ]
    if math.isfinite(cost.time) and math.isfinite(cost.exhaustive_time):
        divisor, unit = _time_unit(cost.exhaustive_time)
        rows.append(
            (
                f"training time ({unit})",
                f"{cost.time / divisor:,.1f}",
                f"{cost.exhaustive_time / divisor:,.1f}",
                f"{cost.fraction:.1%}",
            )
        )
    exhaustive = data.exhaustive
    if exhaustive is not None:
        best, selected = exhaustive.best_model, data.selected_model_id
        verdict = "yes" if selected in exhaustive.best_set else "no"
        rows += [
            ("best model", selected, best, ""),
            ("in the exhaustive best set", verdict, f"{len(exhaustive.best_set)} models", ""),
            ("mean " + data.metric, _g(exhaustive.means[selected]), _g(exhaustive.means[best]), ""),
        ]
    return rows


def _g(value: float) -> str:
    return f"{value:.6g}"


def _settings_rows(data: ReportData) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = [
        ("metric", data.metric),
        ("direction", data.direction),
        ("models", len(data.models)),
    ]
    return rows + [(str(k), v) for k, v in data.settings.items()]


_STEP_HEADER = (
    "step",
    "models before",
    "removed",
    "kept",
    "reference model",
    "step cost",
    "cumulative cost",
)


def _seconds(value: float, divisor: float, unit: str) -> str:
    return f"{value / divisor:,.2f} {unit}" if math.isfinite(value) else "unknown"


def _step_rows(data: ReportData) -> list[tuple[object, ...]]:
    last = data.decisions[-1].cumulative_cost if data.decisions else 0.0
    divisor, unit = _time_unit(last if math.isfinite(last) else 0.0)
    return [
        (
            d.step,
            len(d.models_before),
            len(d.removed),
            len(d.kept),
            d.reference_model_id,
            _seconds(d.step_cost, divisor, unit),
            _seconds(d.cumulative_cost, divisor, unit),
        )
        for d in data.decisions
    ]
