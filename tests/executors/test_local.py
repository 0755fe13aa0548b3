from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from robustsel.executors import InstanceJob, LocalExecutor
from robustsel.instances import instance_spec
from robustsel.testing import FakeTask
from robustsel.testing.contracts import ExecutorContract
from robustsel.types import Model


class TestInProcess(ExecutorContract):
    @pytest.fixture
    def executor(self) -> Iterator[LocalExecutor]:
        with LocalExecutor(workers=0) as executor:
            yield executor


class TestWorkerProcesses(ExecutorContract):
    @pytest.fixture(scope="class")
    @classmethod
    def executor(cls) -> Iterator[LocalExecutor]:
        with LocalExecutor(workers=2) as executor:
            yield executor


def test_a_dead_worker_is_retried_then_the_instance_succeeds(tmp_path: Path) -> None:
    model = Model("m", {"mean": 0.5, "spread": 0.0, "crash": [1]})
    jobs = [InstanceJob(model, instance_spec(0, i)) for i in range(3)]
    with LocalExecutor(workers=2) as executor:
        results = list(executor.run(FakeTask(marker_dir=str(tmp_path)), jobs))
    assert sorted((r.instance_index, r.status) for r in results) == [
        (0, "ok"),
        (1, "ok"),
        (2, "ok"),
    ]


def test_a_worker_that_always_dies_fails_after_the_last_attempt(tmp_path: Path) -> None:
    model = Model("m", {"mean": 0.5, "spread": 0.0, "crash": [0]})
    task = FakeTask(marker_dir=str(tmp_path))
    with LocalExecutor(workers=1, max_attempts=1) as executor:
        (result,) = executor.run(task, [InstanceJob(model, instance_spec(0, 0))])
    assert result.status == "failed" and "worker process died" in (result.error or "")


def test_threads_share_the_cores() -> None:
    assert LocalExecutor(workers=2, cores=8).threads == 4
    assert LocalExecutor(workers=4, cores=2).threads == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"workers": -1}, "workers must be >= 0; got -1"),
        ({"max_attempts": 0}, "max_attempts must be >= 1"),
    ],
)
def test_bad_arguments(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LocalExecutor(**kwargs)
