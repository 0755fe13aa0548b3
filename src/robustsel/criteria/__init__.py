"""Selection criteria: which models leave the selection after each step.

Every criterion is a :class:`SelectionCriterion`; :data:`CRITERIA` maps the names
used in configs and on the command line to the classes, and
:func:`make_criterion` builds one from a name and its parameters.
:data:`DEFAULT_CRITERION` and :data:`DEFAULT_WARMUP` are the selection that runs
when none is named (the ``replay`` command, live-run configs).
"""

from __future__ import annotations

import inspect
from typing import Any

from robustsel.criteria._base import Elimination, SelectionCriterion, best_row, check_alpha
from robustsel.criteria._quantile import Halving, Quantile
from robustsel.criteria._race import Race
from robustsel.criteria._statistical import (
    Bartlett,
    Fligner,
    KolmogorovSmirnov,
    Levene,
    MannWhitney,
    StatisticalTest,
    Welch,
    Wilcoxon,
)

CRITERIA: dict[str, type[SelectionCriterion]] = {
    cls.name: cls
    for cls in (
        Halving,
        Quantile,
        Welch,
        MannWhitney,
        KolmogorovSmirnov,
        Bartlett,
        Levene,
        Fligner,
        Wilcoxon,
        Race,
    )
}

#: Criterion used when none is named: the race (experimental), chosen by the
#: benchmark of ``docs/benchmarks.md`` ("Peers on the authors' recorded results").
DEFAULT_CRITERION = Race.name
#: Warm-up k of the default criterion: the race screens after one instance.
DEFAULT_WARMUP = Race.default_warmup


def make_criterion(name: str, **params: Any) -> SelectionCriterion:
    """Build the criterion registered under ``name``, ignoring parameters it lacks.

    Parameters it does not take (``alpha`` for ``halving``, say) are dropped so one
    set of options can drive every criterion.

    Raises
    ------
    ValueError
        Unknown name, or a parameter value the criterion rejects.

    Examples
    --------
    >>> make_criterion("welch", alpha=0.01, fraction=0.3)
    Welch(measure='mean', alpha=0.01)
    """
    if name not in CRITERIA:
        raise ValueError(f"criterion must be one of {', '.join(CRITERIA)}; got {name!r}.")
    cls = CRITERIA[name]
    accepted = inspect.signature(cls.__init__).parameters
    return cls(**{k: v for k, v in params.items() if k in accepted and v is not None})


__all__ = [
    "CRITERIA",
    "DEFAULT_CRITERION",
    "DEFAULT_WARMUP",
    "Bartlett",
    "Elimination",
    "Fligner",
    "Halving",
    "KolmogorovSmirnov",
    "Levene",
    "MannWhitney",
    "Quantile",
    "Race",
    "SelectionCriterion",
    "StatisticalTest",
    "Welch",
    "Wilcoxon",
    "best_row",
    "check_alpha",
    "make_criterion",
]
