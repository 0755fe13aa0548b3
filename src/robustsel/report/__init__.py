"""Reports of a selection: the figures and the HTML page a user reads afterwards.

Build a :class:`ReportData` from a replay (:meth:`ReportData.from_replay`) or a
live run's engine (:meth:`ReportData.from_engine`), then draw one figure with the
``plot_*`` functions or write every figure and ``index.html`` with
:func:`write_report`. This is the only part of robustsel that imports matplotlib;
it returns Figures and HTML files and never opens a window.
"""

from __future__ import annotations

from robustsel.report.data import ReportData, Uncertainty
from robustsel.report.figures import (
    plot_cost,
    plot_criteria_comparison,
    plot_instance_distributions,
    plot_model_path,
    plot_selected_model,
)
from robustsel.report.html import write_report

__all__ = [
    "ReportData",
    "Uncertainty",
    "plot_cost",
    "plot_criteria_comparison",
    "plot_instance_distributions",
    "plot_model_path",
    "plot_selected_model",
    "write_report",
]
