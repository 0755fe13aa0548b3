from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from robustsel.store import SCHEMA_VERSION, Store, StoreError
from robustsel.testing.contracts import StoreContract


class TestSQLiteStore(StoreContract):
    @pytest.fixture
    def store_path(self, tmp_path: Path) -> Path:
        return tmp_path / "sub" / "store.sqlite"


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreError, match="newer than this robustsel's"):
        Store(path)


def test_the_store_uses_write_ahead_logging(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    Store(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
