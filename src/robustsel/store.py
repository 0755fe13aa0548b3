"""The results store: every instance result persisted the moment it exists.

A store is one SQLite file (WAL mode) holding any number of *studies* (one per
experiment name): the study's configuration, its models, its instances and the
selection steps decided so far.

Contract
--------
- **One writer.** One process writes a study at a time (the run's driver); any
  number of other processes may read the file while it writes (WAL).
- **An instance counts once its row is committed.** :meth:`Store.record_result`
  commits before it returns; a result is never lost once it returned, whatever
  happens to the process afterwards.
- **Idempotent writes** on ``(study, model_id, instance_index)``: recording the
  same instance again replaces the row; there is never more than one row per
  instance.
- **Running rows are not results.** :meth:`Store.mark_running` marks instances
  being trained; after a crash they stay ``running`` and a resumed run trains them
  again. Only ``ok``, ``diverged`` and ``failed`` rows are finished.
- **Schema version** is checked on open: a store written by a newer robustsel is
  refused with a clear error.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from robustsel.instances import InstanceSpec
from robustsel.types import InstanceResult, Model

SCHEMA_VERSION = 1
FINISHED = ("ok", "diverged", "failed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS studies (
    name TEXT PRIMARY KEY,
    config TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    quality TEXT NOT NULL,
    direction TEXT NOT NULL,
    created_at REAL NOT NULL,
    selected_model TEXT,
    finished_at REAL
);
CREATE TABLE IF NOT EXISTS models (
    study TEXT NOT NULL REFERENCES studies(name),
    model_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    params TEXT NOT NULL,
    PRIMARY KEY (study, model_id)
);
CREATE TABLE IF NOT EXISTS instances (
    study TEXT NOT NULL,
    model_id TEXT NOT NULL,
    instance_index INTEGER NOT NULL,
    status TEXT NOT NULL,
    quality REAL,
    metrics TEXT,
    cost REAL,
    seeds TEXT,
    started_at REAL,
    finished_at REAL,
    error TEXT,
    PRIMARY KEY (study, model_id, instance_index),
    FOREIGN KEY (study, model_id) REFERENCES models(study, model_id)
);
CREATE TABLE IF NOT EXISTS steps (
    study TEXT NOT NULL,
    step INTEGER NOT NULL,
    kept TEXT NOT NULL,
    removed TEXT NOT NULL,
    reference_model_id TEXT NOT NULL,
    robustness TEXT NOT NULL,
    pvalue TEXT,
    step_cost REAL,
    cumulative_cost REAL,
    decided_at REAL NOT NULL,
    PRIMARY KEY (study, step)
);
"""


class StoreError(ValueError):
    """The store cannot be used as asked (wrong file, other configuration, newer schema)."""


@dataclass(frozen=True)
class StudyRecord:
    """A study as the store holds it."""

    name: str
    config: dict[str, Any]
    fingerprint: str
    quality: str
    direction: str
    created_at: float
    selected_model: str | None
    finished_at: float | None


@dataclass(frozen=True)
class InstanceRow:
    """One row of the instances table."""

    model_id: str
    instance_index: int
    status: str
    quality: float
    metrics: dict[str, float]
    cost: float
    started_at: float | None
    finished_at: float | None
    error: str | None

    def to_result(self) -> InstanceResult:
        """The finished row as an :class:`InstanceResult`."""
        return InstanceResult(
            model_id=self.model_id,
            instance_index=self.instance_index,
            quality=self.quality,
            cost=self.cost,
            status=self.status,  # type: ignore[arg-type]
            metrics=self.metrics,
            error=self.error,
        )


class Store:
    """An SQLite results store (see the module docstring for its contract).

    Parameters
    ----------
    path : str or Path
        The database file; created with its folder when missing.
    readonly : bool, default=False
        Open for reading only (``robustsel status``, reports); the file must exist.

    Raises
    ------
    StoreError
        Not an SQLite file, a missing file in read-only mode, or a schema newer
        than this robustsel knows.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from robustsel.types import Model, InstanceResult
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "runs.sqlite"
    >>> with Store(path) as store:
    ...     _ = store.open_study("demo", {"task": "x"}, [Model("m1", {"lr": 0.1})])
    ...     store.record_result("demo", InstanceResult("m1", 0, 0.93, cost=12.5))
    ...     [r.quality for r in store.finished("demo")]
    [0.93]
    """

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        if readonly and not self.path.is_file():
            raise StoreError(f"store not found: {self.path}; run a study first or check the path.")
        if not readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        uri = f"file:{self.path}?mode=ro" if readonly else f"file:{self.path}"
        try:
            self._db = sqlite3.connect(uri, uri=True, timeout=30.0, isolation_level=None)
            self._db.execute("PRAGMA busy_timeout = 30000")
            if not readonly:
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = NORMAL")
                self._db.executescript(_SCHEMA)
            self._check_version(readonly)
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path} is not a robustsel store: {error}.") from None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def _check_version(self, readonly: bool) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None and not readonly:
            self._db.execute(
                "INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
        elif row is not None and int(row[0]) > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {row[0]}, newer than this robustsel's "
                f"{SCHEMA_VERSION}; upgrade robustsel."
            )

    def open_study(
        self,
        name: str,
        config: Mapping[str, Any],
        models: Sequence[Model],
        *,
        fingerprint: str | None = None,
        quality: str = "quality",
        direction: str = "maximize",
    ) -> StudyRecord:
        """Create the study, or reopen it when it exists with the same fingerprint.

        Parameters
        ----------
        name : str
            The study's name.
        config : Mapping
            The configuration (JSON-serializable), kept for status and export.
        models : sequence of Model
            The search space; recorded on creation.
        fingerprint : str, optional
            What must match to resume (a hash of the settings that change
            results); default: the JSON of ``config``.
        quality, direction : str
            The task's quality metric and its direction (for exports and reports).

        Raises
        ------
        StoreError
            The study exists with another fingerprint.
        """
        config_json = json.dumps(config, sort_keys=True, default=str)
        fingerprint = fingerprint or config_json
        existing = self.study(name)
        if existing is not None:
            if existing.fingerprint != fingerprint:
                raise StoreError(
                    f"{self.path} already holds study {name!r} with other settings; use another "
                    "--store or study name, or restore the original configuration."
                )
            return existing
        with self._transaction():
            self._db.execute(
                "INSERT INTO studies (name, config, fingerprint, quality, direction, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (name, config_json, fingerprint, quality, direction, time.time()),
            )
            self._db.executemany(
                "INSERT INTO models VALUES (?, ?, ?, ?)",
                [
                    (name, m.model_id, p, json.dumps(dict(m.params), sort_keys=True, default=str))
                    for p, m in enumerate(models)
                ],
            )
        study = self.study(name)
        assert study is not None
        return study

    def study(self, name: str) -> StudyRecord | None:
        """The study called ``name``, or None."""
        row = self._db.execute(
            "SELECT name, config, fingerprint, quality, direction, created_at, selected_model, "
            "finished_at FROM studies WHERE name = ?",
            (name,),
        ).fetchone()
        if row is None:
            return None
        return StudyRecord(row[0], json.loads(row[1]), *row[2:])

    def studies(self) -> list[StudyRecord]:
        """Every study in creation order."""
        names = self._db.execute("SELECT name FROM studies ORDER BY created_at").fetchall()
        return [s for (n,) in names if (s := self.study(n)) is not None]

    def models(self, study: str) -> list[Model]:
        """The study's models in search-space order."""
        rows = self._db.execute(
            "SELECT model_id, params FROM models WHERE study = ? ORDER BY position", (study,)
        ).fetchall()
        return [Model(model_id, json.loads(params)) for model_id, params in rows]

    def mark_running(self, study: str, specs: Iterable[tuple[str, InstanceSpec]]) -> None:
        """Mark instances as being trained (not finished; re-run after a crash)."""
        now = time.time()
        with self._transaction():
            self._db.executemany(
                "INSERT INTO instances (study, model_id, instance_index, status, seeds, "
                "started_at) VALUES (?, ?, ?, 'running', ?, ?) "
                "ON CONFLICT (study, model_id, instance_index) DO UPDATE SET "
                "status = 'running', seeds = excluded.seeds, started_at = excluded.started_at, "
                "quality = NULL, metrics = NULL, cost = NULL, "
                "finished_at = NULL, error = NULL",
                [
                    (study, model_id, spec.instance_index, json.dumps(_seeds(spec)), now)
                    for model_id, spec in specs
                ],
            )

    def record_result(self, study: str, result: InstanceResult) -> None:
        """Commit one finished instance (idempotent on model and instance index)."""
        quality = result.quality if math.isfinite(result.quality) else None
        cost = result.cost if math.isfinite(result.cost) else None
        metrics = {k: (v if math.isfinite(v) else None) for k, v in result.metrics.items()}
        with self._transaction():
            self._db.execute(
                "INSERT INTO instances (study, model_id, instance_index, status, quality, "
                "metrics, cost, finished_at, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (study, model_id, instance_index) DO UPDATE SET "
                "status = excluded.status, quality = excluded.quality, "
                "metrics = excluded.metrics, cost = excluded.cost, "
                "finished_at = excluded.finished_at, error = excluded.error",
                (
                    study,
                    result.model_id,
                    result.instance_index,
                    result.status,
                    quality,
                    json.dumps(metrics),
                    cost,
                    time.time(),
                    result.error,
                ),
            )

    def record_step(self, study: str, decision: Any) -> None:
        """Record (or replace) a selection step's decision (a ``StepDecision``)."""
        with self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO steps VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    study,
                    decision.step,
                    json.dumps(list(decision.kept)),
                    json.dumps(list(decision.removed)),
                    decision.reference_model_id,
                    json.dumps(_finite(decision.robustness)),
                    None if decision.pvalue is None else json.dumps(_finite(decision.pvalue)),
                    decision.step_cost,
                    decision.cumulative_cost,
                    time.time(),
                ),
            )

    def finish_study(self, study: str, selected_model: str | None) -> None:
        """Record the selected model and the end time."""
        with self._transaction():
            self._db.execute(
                "UPDATE studies SET selected_model = ?, finished_at = ? WHERE name = ?",
                (selected_model, time.time(), study),
            )

    def instances(self, study: str) -> list[InstanceRow]:
        """Every instance row of the study, finished or running."""
        rows = self._db.execute(
            "SELECT model_id, instance_index, status, quality, metrics, cost, started_at, "
            "finished_at, error FROM instances WHERE study = ? ORDER BY instance_index, rowid",
            (study,),
        ).fetchall()
        return [
            InstanceRow(
                model_id=r[0],
                instance_index=r[1],
                status=r[2],
                quality=math.nan if r[3] is None else r[3],
                metrics={
                    k: math.nan if v is None else v for k, v in json.loads(r[4] or "{}").items()
                },
                cost=math.nan if r[5] is None else r[5],
                started_at=r[6],
                finished_at=r[7],
                error=r[8],
            )
            for r in rows
        ]

    def finished(self, study: str) -> list[InstanceResult]:
        """The study's finished instances as results."""
        return [row.to_result() for row in self.instances(study) if row.status in FINISHED]

    def steps(self, study: str) -> list[dict[str, Any]]:
        """The recorded selection steps, in order."""
        rows = self._db.execute(
            "SELECT step, kept, removed, reference_model_id, robustness, pvalue, step_cost, "
            "cumulative_cost, decided_at FROM steps WHERE study = ? ORDER BY step",
            (study,),
        ).fetchall()
        return [
            {
                "step": r[0],
                "kept": json.loads(r[1]),
                "removed": json.loads(r[2]),
                "reference_model_id": r[3],
                "robustness": json.loads(r[4]),
                "pvalue": None if r[5] is None else json.loads(r[5]),
                "step_cost": r[6],
                "cumulative_cost": r[7],
                "decided_at": r[8],
            }
            for r in rows
        ]

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back when the block raises."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


def _seeds(spec: InstanceSpec) -> dict[str, int | None]:
    return {
        "sample_seed": spec.sample_seed,
        "order_seed": spec.order_seed,
        "init_seed": spec.init_seed,
        "train_size": spec.train_size,
    }


def _finite(values: Mapping[str, float]) -> dict[str, float | None]:
    return {k: (v if math.isfinite(v) else None) for k, v in values.items()}
