"""Reliability: SIGKILL the run process at random moments, resume, lose nothing."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from robustsel.config import load_config
from robustsel.store import Store
from robustsel.study import Study

CONFIG = {
    "name": "kill",
    "task": "robustsel.testing:fake_task",
    "task_options": {"shared": 0.005},
    "space": {"grid": {"mean": [0.88, 0.885, 0.89, 0.895, 0.90, 0.70], "spread": [0.01, 0.02]}},
    "instances": {"per_model": 20, "seed": 11},
    "selection": {"criterion": "welch", "alpha": 0.05, "warmup": 2},
    "executor": {"workers": 0},
}


def _write_config(folder: Path, seconds: float) -> Path:
    folder.mkdir(parents=True)
    config = {**CONFIG, "store": str(folder / "store.sqlite")}
    config["space"] = {"grid": {**CONFIG["space"]["grid"], "seconds": [seconds]}}  # type: ignore[index]
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _finished(path: Path, *, check: bool = False) -> dict[tuple[str, int], float]:
    if not path.exists():
        return {}
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
        if check:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        try:
            rows = db.execute(
                "SELECT model_id, instance_index, quality FROM instances WHERE status = 'ok'"
            ).fetchall()
        except sqlite3.OperationalError:  # killed before the schema was created
            return {}
    return {(m, i): q for m, i, q in rows}


def _run(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "robustsel", "run", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    config = _write_config(tmp_path / "killed", seconds=0.01)
    store = config.parent / "store.sqlite"
    reference = Study(load_config(_write_config(tmp_path / "reference", seconds=0.01))).run()
    assert reference.cost.instances_trained > 80
    kills = 0
    seen: dict[tuple[str, int], float] = {}
    while kills < 6:
        process = _run(config)
        target = len(seen) + int(rng.integers(1, 10))
        deadline = time.monotonic() + 60
        while len(_finished(store)) < target and process.poll() is None:
            assert time.monotonic() < deadline, "the run made no progress"
            time.sleep(0.005)
        time.sleep(float(rng.uniform(0, 0.02)))  # lands inside commits as often as not
        if process.poll() is not None:
            break
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills += 1
        now = _finished(store, check=True)
        assert all(now.get(key) == value for key, value in seen.items()), "a result was lost"
        seen = now
    assert kills >= 5, f"the run finished before five kills ({kills})"
    final = _run(config)
    assert final.wait(timeout=120) == 0, final.stderr.read() if final.stderr else ""
    with Store(store, readonly=True) as db:
        rows = db.instances("kill")
        assert len(rows) == len({(r.model_id, r.instance_index) for r in rows})
        assert all(r.status == "ok" for r in rows)
        assert db.study("kill").selected_model == reference.selected_model  # type: ignore[union-attr]
        assert [s["kept"] for s in db.steps("kill")] == [list(d.kept) for d in reference.decisions]
    assert len(rows) == reference.cost.instances_trained
    assert all(_finished(store)[key] == value for key, value in seen.items())
