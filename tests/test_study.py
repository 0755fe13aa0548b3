from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from robustsel.config import parse_config
from robustsel.executors import LocalExecutor
from robustsel.store import Store, StoreError
from robustsel.study import Progress, Study, rebuild_engine, study_table

MEANS = [0.70, 0.80, 0.90, 0.85, 0.60, 0.895]


def _config(tmp_path: Path, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "fake",
        "task": "robustsel.testing:fake_task",
        "task_options": {"shared": 0.01},
        "space": {"grid": {"mean": MEANS, "spread": [0.01]}},
        "instances": {"per_model": 8, "seed": 3},
        "selection": {"criterion": "welch", "alpha": 0.05, "warmup": 2},
        "executor": {"workers": 0},
        "store": str(tmp_path / "store.sqlite"),
    }
    for key, value in changes.items():
        data[key] = {**data[key], **value} if isinstance(data.get(key), dict) else value
    return data


def test_selects_a_best_model_and_commits_every_result(tmp_path: Path) -> None:
    study = Study(parse_config(_config(tmp_path)))
    outcome = study.run()
    means = {m.model_id: m.params["mean"] for m in study.models}
    assert means[outcome.selected_model] in (0.90, 0.895)
    with Store(outcome.store_path, readonly=True) as store:
        rows = store.instances("fake")
        assert len(rows) == outcome.cost.instances_trained
        assert all(r.status == "ok" for r in rows)
        assert [s["step"] for s in store.steps("fake")] == [d.step for d in outcome.decisions]
        assert store.study("fake").selected_model == outcome.selected_model  # type: ignore[union-attr]


def test_rerunning_reuses_every_finished_instance(tmp_path: Path) -> None:
    config = parse_config(_config(tmp_path))
    first = Study(config).run()
    again = Study(config).run()
    assert again.n_reused == first.cost.instances_trained
    assert [d.kept for d in again.decisions] == [d.kept for d in first.decisions]


def test_an_interrupted_run_resumes_to_the_same_decisions(tmp_path: Path) -> None:
    reference = Study(parse_config(_config(tmp_path / "a"))).run()
    config = parse_config(_config(tmp_path / "b"))

    class Interrupting(LocalExecutor):
        def run(self, task, jobs):  # type: ignore[no-untyped-def]
            for count, result in enumerate(super().run(task, jobs)):
                if count == 3:
                    raise KeyboardInterrupt
                yield result

    with pytest.raises(KeyboardInterrupt):
        Study(config).run(executor=Interrupting(workers=0))
    with Store(config.store_path, readonly=True) as store:
        statuses = [r.status for r in store.instances("fake")]
    assert statuses.count("ok") == 3 and "running" in statuses
    resumed = Study(config).run()
    assert resumed.n_reused == 3
    assert [d.kept for d in resumed.decisions] == [d.kept for d in reference.decisions]
    assert resumed.selected_model == reference.selected_model


def test_failed_and_diverged_instances_are_recorded_and_the_run_goes_on(tmp_path: Path) -> None:
    space = {"grid": {"mean": [0.9, 0.8, 0.7], "spread": [0.01], "fail": [[1]], "diverge": [[2]]}}
    outcome = Study(parse_config(_config(tmp_path, space=space))).run()
    with Store(outcome.store_path, readonly=True) as store:
        rows = {(r.model_id, r.instance_index): r for r in store.instances("fake")}
    failed = [r for r in rows.values() if r.status == "failed"]
    diverged = [r for r in rows.values() if r.status == "diverged"]
    assert failed and all("failed on purpose" in (r.error or "") for r in failed)
    assert diverged and all(math.isnan(r.quality) for r in diverged)
    assert outcome.selected_model is not None


def test_exhaustive_run_trains_everything_and_its_store_replays(tmp_path: Path) -> None:
    config = parse_config(_config(tmp_path))
    outcome = Study(config).run(exhaustive=True)
    assert outcome.cost.instances_trained == len(MEANS) * 8 == outcome.cost.exhaustive_instances
    with Store(config.store_path, readonly=True) as store:
        table = study_table(store, "fake")
        engine = rebuild_engine(store, "fake")
    assert table.is_complete and table.qualities.shape == (6, 8) and table.metric == "score"
    selection = Study(config).run()
    assert selection.n_reused == selection.cost.instances_trained
    assert engine.selected_model_ == selection.selected_model


def test_a_changed_config_does_not_resume_a_study(tmp_path: Path) -> None:
    Study(parse_config(_config(tmp_path))).run()
    changed = parse_config(_config(tmp_path, instances={"seed": 4}))
    with pytest.raises(StoreError, match="already holds study 'fake' with other settings"):
        Study(changed).run()


def test_the_executor_and_store_do_not_change_the_fingerprint(tmp_path: Path) -> None:
    a = parse_config(_config(tmp_path))
    b = a.updated(executor={"workers": 2}, store=str(tmp_path / "other.sqlite"))
    assert a.fingerprint == b.fingerprint
    assert a.fingerprint != a.updated(selection={"alpha": 0.1}).fingerprint


def test_worker_processes_give_the_same_path_as_in_process(tmp_path: Path) -> None:
    serial = Study(parse_config(_config(tmp_path / "serial"))).run()
    parallel = Study(parse_config(_config(tmp_path / "parallel", executor={"workers": 2}))).run()
    assert [d.kept for d in parallel.decisions] == [d.kept for d in serial.decisions]


def test_explicit_models_and_sampling(tmp_path: Path) -> None:
    space = {
        "grid": {"mean": [0.1, 0.2, 0.3, 0.4], "spread": [0.01]},
        "models": [{"mean": 0.95, "spread": 0.01}],
        "sample": 3,
        "seed": 1,
    }
    models = Study(parse_config(_config(tmp_path, space=space))).models
    assert len(models) == 3
    assert len({m.model_id for m in models}) == 3


def test_progress_reports_every_result_and_decision(tmp_path: Path) -> None:
    events: list[Progress] = []
    outcome = Study(parse_config(_config(tmp_path))).run(on_progress=events.append)
    results = [e for e in events if e.result is not None]
    decisions = [e.decision for e in events if e.decision is not None]
    assert len(results) == outcome.cost.instances_trained
    assert decisions == outcome.decisions
    assert [e.instances_done for e in results] == list(range(1, len(results) + 1))
    assert results[0].step == 1 and results[0].instances_queued == len(MEANS) - 1
    assert all(math.isfinite(e.remaining) and e.remaining >= 0 for e in results)
    assert results[-1].instances_queued == 0
