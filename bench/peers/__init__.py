"""Peers of robustsel's selection, driven over recorded tables (benchmark code only).

Each peer takes a table's qualities and an instance order (table columns) and
returns an :class:`Outcome`: the selected row and the instances it trained.
``scenarios`` generates tables whose truth is known.
"""

from __future__ import annotations

from peers._common import Outcome
from peers._halving import halving_schedule, successive_halving
from peers._optuna import check_fast_wilcoxon, fast_wilcoxon, wilcoxon_pruner_search
from peers._simple import exhaustive, random_model

__all__ = [
    "Outcome",
    "check_fast_wilcoxon",
    "exhaustive",
    "fast_wilcoxon",
    "halving_schedule",
    "random_model",
    "successive_halving",
    "wilcoxon_pruner_search",
]
