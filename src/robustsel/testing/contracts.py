"""Reusable test classes: every executor and store implementation must pass them.

Subclass in a test module and provide the fixture::

    class TestLocalExecutor(ExecutorContract):
        @pytest.fixture
        def executor(self):
            with LocalExecutor(workers=2) as executor:
                yield executor
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from robustsel.executors import Executor, InstanceJob
from robustsel.instances import instance_spec
from robustsel.store import Store, StoreError
from robustsel.testing import FakeTask
from robustsel.types import InstanceResult, Model


def _jobs(n_models: int, n_instances: int, **params: object) -> list[InstanceJob]:
    return [
        InstanceJob(
            Model(f"m{m}", {"mean": 0.5 + m / 10, "spread": 0.01, **params}), instance_spec(0, i)
        )
        for m in range(n_models)
        for i in range(n_instances)
    ]


class ExecutorContract:
    """What every executor promises (fixture ``executor``: an entered executor)."""

    def test_yields_one_result_per_job(self, executor: Executor) -> None:
        jobs = _jobs(3, 2)
        results = list(executor.run(FakeTask(), jobs))
        assert sorted((r.model_id, r.instance_index) for r in results) == sorted(
            (j.model.model_id, j.spec.instance_index) for j in jobs
        )
        assert all(r.status == "ok" for r in results)

    def test_results_depend_only_on_the_seeds(self, executor: Executor) -> None:
        jobs = _jobs(2, 3)
        first = {(r.model_id, r.instance_index): r.quality for r in executor.run(FakeTask(), jobs)}
        again = {(r.model_id, r.instance_index): r.quality for r in executor.run(FakeTask(), jobs)}
        assert first == again

    def test_a_raising_instance_is_a_failed_result(self, executor: Executor) -> None:
        jobs = _jobs(1, 3, fail=[1])
        results = {r.instance_index: r for r in executor.run(FakeTask(), jobs)}
        assert results[1].status == "failed" and math.isnan(results[1].quality)
        assert "failed on purpose" in (results[1].error or "")
        assert results[0].status == results[2].status == "ok"

    def test_a_diverged_instance_is_reported(self, executor: Executor) -> None:
        results = list(executor.run(FakeTask(), _jobs(1, 1, diverge=[0])))
        assert results[0].status == "diverged"

    def test_an_empty_batch_yields_nothing(self, executor: Executor) -> None:
        assert list(executor.run(FakeTask(), [])) == []


class StoreContract:
    """What every store promises (fixture ``store_path``: a path for a new store)."""

    def test_results_survive_reopening(self, store_path: Path) -> None:
        with Store(store_path) as store:
            store.open_study("s", {"a": 1}, [Model("m1", {"x": [1, 2]})], quality="acc")
            store.record_result("s", InstanceResult("m1", 0, 0.9, 3.0, metrics={"acc": 0.9}))
        with Store(store_path, readonly=True) as store:
            (row,) = store.instances("s")
            assert (row.quality, row.cost, row.status, row.metrics) == (
                0.9,
                3.0,
                "ok",
                {"acc": 0.9},
            )
            assert store.models("s") == [Model("m1", {"x": [1, 2]})]
            assert store.study("s").quality == "acc"  # type: ignore[union-attr]

    def test_writes_are_idempotent_per_instance(self, store_path: Path) -> None:
        with Store(store_path) as store:
            store.open_study("s", {}, [Model("m1")])
            store.mark_running("s", [("m1", instance_spec(0, 0))])
            store.record_result("s", InstanceResult("m1", 0, 0.5))
            store.record_result("s", InstanceResult("m1", 0, 0.7))
            assert [r.quality for r in store.instances("s")] == [0.7]

    def test_running_rows_are_not_finished(self, store_path: Path) -> None:
        with Store(store_path) as store:
            store.open_study("s", {}, [Model("m1")])
            store.mark_running("s", [("m1", instance_spec(0, 0)), ("m1", instance_spec(0, 1))])
            store.record_result("s", InstanceResult("m1", 1, 0.5))
            assert [(r.instance_index, r.status) for r in store.instances("s")] == [
                (0, "running"),
                (1, "ok"),
            ]
            assert [r.instance_index for r in store.finished("s")] == [1]

    def test_failed_and_diverged_rows_keep_their_error(self, store_path: Path) -> None:
        with Store(store_path) as store:
            store.open_study("s", {}, [Model("m1")])
            store.record_result(
                "s", InstanceResult("m1", 0, math.nan, status="failed", error="boom")
            )
            (result,) = store.finished("s")
            assert (
                result.status == "failed" and result.error == "boom" and math.isnan(result.quality)
            )

    def test_reopening_a_study_needs_the_same_fingerprint(self, store_path: Path) -> None:
        with Store(store_path) as store:
            store.open_study("s", {"seed": 1}, [Model("m1")], fingerprint="a")
            assert store.open_study("s", {"seed": 1}, [Model("m1")], fingerprint="a").name == "s"
            with pytest.raises(StoreError, match="already holds study 's' with other settings"):
                store.open_study("s", {"seed": 2}, [Model("m1")], fingerprint="b")

    def test_a_reader_sees_commits_while_the_writer_is_open(self, store_path: Path) -> None:
        with Store(store_path) as writer:
            writer.open_study("s", {}, [Model("m1")])
            writer.record_result("s", InstanceResult("m1", 0, 0.5))
            with Store(store_path, readonly=True) as reader:
                assert len(reader.finished("s")) == 1

    def test_a_file_that_is_not_a_store_is_refused(self, store_path: Path) -> None:
        store_path.parent.mkdir(parents=True, exist_ok=True)
        store_path.write_text("not a database at all, just text" * 10)
        with pytest.raises(StoreError, match="is not a robustsel store"):
            Store(store_path)

    def test_reading_a_missing_store_is_refused(self, store_path: Path) -> None:
        with pytest.raises(StoreError, match="store not found"):
            Store(store_path, readonly=True)
