"""Successive halving over models with instances as the resource.

The schedule of scikit-learn's ``HalvingGridSearchCV`` (defaults
``min_resources="exhaust"``, ``aggressive_elimination=False``) with the number
of instances per model as the ``resource`` and ``max_resources`` the instances
recorded: iteration i evaluates the remaining candidates on
``min_resources * factor**i`` instances and keeps the best
``ceil(n_candidates / factor)`` by mean quality; the selected model is the best
candidate of the last iteration. Instances trained at an earlier iteration are
reused, not trained again (instance j of a model is the same run whenever it is
asked for).
"""

from __future__ import annotations

from math import ceil, floor, log

import numpy as np
import numpy.typing as npt

from peers._common import Outcome, oriented


def halving_schedule(n_candidates: int, max_resources: int, factor: float) -> list[int]:
    """Instances per candidate at each iteration, as ``HalvingGridSearchCV`` plans them.

    ``min_resources="exhaust"`` starting from the smallest resource (1 for a
    resource other than the number of samples).

    Examples
    --------
    >>> halving_schedule(604, 20, 2), halving_schedule(604, 20, 3)
    ([1, 2, 4, 8, 16], [1, 3, 9])
    >>> halving_schedule(8, 20, 2)
    [2, 4, 8, 16]
    """
    n_required = 1 + floor(log(n_candidates, factor))
    min_resources = max(1, int(max_resources // factor ** (n_required - 1)))
    n_possible = 1 + floor(log(max_resources // min_resources, factor))
    n_iterations = min(n_possible, n_required)
    return [min(int(factor**i * min_resources), max_resources) for i in range(n_iterations)]


def successive_halving(
    qualities: npt.NDArray[np.float64],
    order: list[int],
    *,
    factor: float,
    direction: str = "maximize",
) -> Outcome:
    """Run the halving schedule over a table, instances taken in ``order`` (columns).

    Examples
    --------
    >>> q = np.array([[0.9, 0.9, 0.9], [0.8, 0.8, 0.8], [0.7, 0.95, 0.95], [0.6, 0.6, 0.6]])
    >>> outcome = successive_halving(q, [0, 1, 2], factor=2)
    >>> outcome.selected, outcome.trained.sum(axis=1).tolist()
    (0, [2, 2, 1, 1])
    """
    values = oriented(qualities, direction)
    trained = np.zeros(qualities.shape, dtype=bool)
    candidates = np.arange(len(values))
    schedule = halving_schedule(len(values), len(order), factor)
    for iteration, n_resources in enumerate(schedule):
        columns = order[:n_resources]
        trained[np.ix_(candidates, columns)] = True
        scores = values[np.ix_(candidates, columns)].mean(axis=1)
        ranked = candidates[np.argsort(scores, kind="stable")]
        if iteration == len(schedule) - 1:
            return Outcome(selected=int(ranked[-1]), trained=trained)
        candidates = np.sort(ranked[-ceil(len(candidates) / factor) :])
    raise AssertionError("the schedule has at least one iteration")
