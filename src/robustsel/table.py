"""Recorded results tables: every instance of every model, read from CSV files.

Two layouts are read:

- **wide** (the method authors' tables): one row per model, a column
  ``<metric>_<i>`` per instance i = 1..n, optional ``TrainingTime_<i>`` (seconds),
  a ``model`` column as id (else the row number), any other column a
  hyperparameter;
- **long**: one row per instance with columns ``model``, ``instance``,
  ``<metric>`` and optionally ``cost`` (seconds); other columns are
  hyperparameters, constant per model.

An empty cell (wide) or an absent row (long) is an instance that was not
trained. A cell holding ``nan``, ``inf`` or ``-inf`` is a diverged or failed
instance, which counts as the worst possible value in a selection.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from robustsel.measures import Qualities

COST_PREFIX = "TrainingTime"
LONG_COST = "cost"


@dataclass(frozen=True)
class RecordedResults:
    """Instance qualities of every model of a search space.

    Attributes
    ----------
    metric : str
        Name of the quality column (``ValAccuracy``, ``ValLoss``, ...).
    models : pandas.DataFrame
        One row per model, indexed by model id (str), hyperparameter columns.
    qualities : ndarray, shape (n_models, n_instances)
        Instance qualities; NaN for a diverged or failed instance (and where
        ``recorded`` is False).
    costs : ndarray, shape (n_models, n_instances), or None
        Training seconds per instance, when the table records them.
    instance_labels : tuple of int
        The instance numbers of the columns as the table names them (1..n for the
        wide layout).
    recorded : ndarray of bool, shape (n_models, n_instances), or None
        False where an instance was not trained; None when every one was.
    """

    metric: str
    models: pd.DataFrame
    qualities: Qualities
    costs: Qualities | None
    instance_labels: tuple[int, ...]
    recorded: npt.NDArray[np.bool_] | None = None

    @property
    def is_complete(self) -> bool:
        """True when every instance of every model was trained."""
        return self.recorded is None or bool(self.recorded.all())

    @property
    def model_ids(self) -> list[str]:
        """Model ids in table order."""
        return [str(m) for m in self.models.index]

    @property
    def n_instances(self) -> int:
        """Instances recorded per model."""
        return int(self.qualities.shape[1])

    def subset(self, mask: np.ndarray) -> RecordedResults:
        """The same table restricted to the models where ``mask`` is True."""
        return RecordedResults(
            metric=self.metric,
            models=self.models[mask],
            qualities=self.qualities[mask],
            costs=None if self.costs is None else self.costs[mask],
            instance_labels=self.instance_labels,
            recorded=None if self.recorded is None else self.recorded[mask],
        )


def read_results(
    paths: Sequence[str | Path] | str | Path, metric: str, *, where: str | None = None
) -> RecordedResults:
    """Read one or more recorded-results CSV files, concatenated in the order given.

    Parameters
    ----------
    paths : path or sequence of paths
        CSV files in the wide or the long layout (see the module docstring).
    metric : str
        The instance quality to read (``ValAccuracy``: columns ``ValAccuracy_1``,
        ``ValAccuracy_2``, ... in the wide layout).
    where : str, optional
        A :meth:`pandas.DataFrame.query` expression on the hyperparameter columns,
        e.g. ``"dt_len == 30000"``.

    Raises
    ------
    ValueError
        A file without the metric, non-numeric values, repeated model ids, a
        ``where`` that is invalid or selects no model.
    FileNotFoundError
        A path that does not exist.
    """
    paths = [paths] if isinstance(paths, str | Path) else list(paths)
    if not paths:
        raise ValueError("give at least one results file.")
    tables: list[RecordedResults] = []
    for path in map(Path, paths):
        first_row = sum(len(t.models) for t in tables)
        tables.append(_from_frame(_read_csv(path), metric, path.name, first_row))
    results = _concatenate(tables, metric)
    return results if where is None else _query(results, where)


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise FileNotFoundError(f"results file not found: {path}.")
    frame = pd.read_csv(path, keep_default_na=False, na_values={})
    unnamed = [c for c in frame.columns if str(c).startswith("Unnamed:")]
    return frame.drop(columns=unnamed)


def _from_frame(frame: pd.DataFrame, metric: str, name: str, first_row: int) -> RecordedResults:
    if {"model", "instance", metric} <= set(frame.columns):
        return _from_long(frame, metric, name)
    wide = _wide_columns(frame, metric)
    if not wide:
        raise ValueError(
            f"{name} has no column {metric}_1, {metric}_2, ... (wide layout) nor columns "
            f"model, instance, {metric} (long layout); check --metric."
        )
    return _from_wide(frame, metric, wide, name, first_row)


def _wide_columns(frame: pd.DataFrame, prefix: str) -> dict[int, str]:
    pattern = re.compile(rf"^{re.escape(prefix)}_(\d+)$")
    found = {int(m.group(1)): c for c in frame.columns if (m := pattern.match(str(c)))}
    return dict(sorted(found.items()))


def _numeric(frame: pd.DataFrame, columns: list[str], name: str) -> Qualities:
    """The columns as floats; empty cells NaN, 'nan'/'inf' text parsed."""
    values = np.empty((len(frame), len(columns)))
    for j, column in enumerate(columns):
        cells = frame[column]
        if pd.api.types.is_numeric_dtype(cells):
            values[:, j] = cells.to_numpy(np.float64)
            continue
        text = cells.astype(str).str.strip()
        parsed = pd.to_numeric(text.replace("", "nan"), errors="coerce")
        bad = parsed.isna() & ~text.str.lower().isin(["", "nan", "-nan"])
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueError(
                f"{name}: column {column} has a non-numeric value {cells.iloc[row]!r} in data "
                f"row {row + 1}; fix or remove it."
            )
        values[:, j] = parsed.to_numpy(np.float64)
    return values


def _model_index(frame: pd.DataFrame, first_row: int) -> pd.Index:
    if "model" in frame.columns:
        return pd.Index(frame["model"].astype(str), name="model")
    return pd.Index([str(first_row + i) for i in range(len(frame))], name="model")


def _from_wide(
    frame: pd.DataFrame, metric: str, wide: dict[int, str], name: str, first_row: int
) -> RecordedResults:
    cost_columns = _wide_columns(frame, COST_PREFIX)
    labels = tuple(wide)
    qualities = _numeric(frame, list(wide.values()), name)
    recorded = (frame[list(wide.values())] != "").to_numpy()
    costs = None
    if cost_columns:
        if tuple(cost_columns) != labels:
            raise ValueError(
                f"{name}: {COST_PREFIX}_<i> columns must match the {metric}_<i> columns "
                f"one for one; got instances {list(cost_columns)} and {list(labels)}."
            )
        costs = _numeric(frame, list(cost_columns.values()), name)
    instance_columns = re.compile(r"^.+_\d+$")
    hyper = [c for c in frame.columns if c != "model" and not instance_columns.match(str(c))]
    models = _hyperparameters(frame[hyper]).set_axis(_model_index(frame, first_row))
    return RecordedResults(metric, models, qualities, costs, labels, _mask(recorded))


def _hyperparameters(frame: pd.DataFrame) -> pd.DataFrame:
    """Hyperparameter columns with empty cells as NaN and numbers as numbers."""
    frame = frame.replace("", np.nan)
    return frame.apply(lambda c: pd.to_numeric(c, errors="coerce") if _is_numeric(c) else c)


def _is_numeric(column: pd.Series) -> bool:
    present = column.dropna()
    return bool(pd.to_numeric(present, errors="coerce").notna().all())


def _mask(recorded: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_] | None:
    return None if recorded.all() else recorded


def _from_long(frame: pd.DataFrame, metric: str, name: str) -> RecordedResults:
    numeric = ["instance", metric] + ([LONG_COST] if LONG_COST in frame else [])
    frame = frame.assign(model=frame["model"].astype(str))
    frame[numeric] = _numeric(frame, numeric, name)
    if frame.duplicated(["model", "instance"]).any():
        row = frame[frame.duplicated(["model", "instance"])].iloc[0]
        raise ValueError(
            f"{name}: model {row['model']} has instance {row['instance']} more than once."
        )
    quality = frame.pivot(index="model", columns="instance", values=metric)
    order = pd.unique(frame["model"])
    quality = quality.reindex(order)
    costs = None
    if LONG_COST in frame:
        costs = frame.pivot(index="model", columns="instance", values=LONG_COST).reindex(order)
        costs = costs.to_numpy(dtype=np.float64)
    hyper = [c for c in frame.columns if c not in {"model", "instance", metric, LONG_COST}]
    models = _hyperparameters(frame.groupby("model", sort=False)[hyper].first().reindex(order))
    models.index = pd.Index(order, name="model")
    labels = tuple(int(i) for i in quality.columns)
    recorded = frame.pivot(index="model", columns="instance", values="model").reindex(order)
    return RecordedResults(
        metric,
        models,
        quality.to_numpy(np.float64),
        costs,
        labels,
        _mask(recorded.notna().to_numpy()),
    )


def _concatenate(tables: list[RecordedResults], metric: str) -> RecordedResults:
    labels = tables[0].instance_labels
    for table in tables[1:]:
        if table.instance_labels != labels:
            raise ValueError(
                "all files must record the same instances; got "
                f"{list(labels)} and {list(table.instance_labels)}."
            )
    has_costs = all(t.costs is not None for t in tables)
    models = pd.concat([t.models for t in tables])
    recorded = np.vstack(
        [np.ones(t.qualities.shape, bool) if t.recorded is None else t.recorded for t in tables]
    )
    if models.index.has_duplicates:
        repeated = models.index[models.index.duplicated()].unique()[:3]
        raise ValueError(f"model ids must be unique across files; repeated: {list(repeated)}.")
    return RecordedResults(
        metric=metric,
        models=models,
        qualities=np.vstack([t.qualities for t in tables]),
        costs=np.vstack([t.costs for t in tables]) if has_costs else None,  # type: ignore[misc]
        instance_labels=labels,
        recorded=_mask(recorded),
    )


def _query(results: RecordedResults, where: str) -> RecordedResults:
    try:
        selected = results.models.query(where)
    except Exception as error:
        raise ValueError(f"--where {where!r} is not a valid query: {error}.") from None
    if selected.empty:
        raise ValueError(f"--where {where!r} selects no model; check the column values.")
    return results.subset(results.models.index.isin(selected.index))


def write_wide(results: RecordedResults, path: str | Path) -> None:
    """Write a table in the wide layout that :func:`read_results` reads back.

    Columns: ``model``, the hyperparameters, then ``<metric>_<i>`` and, when costs
    are known, ``TrainingTime_<i>`` for each instance label i. An instance not
    trained is an empty cell; a diverged or failed one is ``nan``.
    """
    frame = results.models.reset_index()
    recorded = (
        np.ones(results.qualities.shape, bool) if results.recorded is None else results.recorded
    )
    columns: dict[str, pd.Series] = {}
    for p, label in enumerate(results.instance_labels):
        quality = pd.Series(results.qualities[:, p], dtype=object)
        quality[np.isnan(results.qualities[:, p])] = "nan"
        columns[f"{results.metric}_{label}"] = quality.where(recorded[:, p], None)
        if results.costs is not None:
            columns[f"{COST_PREFIX}_{label}"] = pd.Series(results.costs[:, p]).where(recorded[:, p])
    frame = pd.concat([frame, pd.DataFrame(columns)], axis=1)
    frame.to_csv(path, index=False, na_rep="")
