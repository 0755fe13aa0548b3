"""RayExecutor against one real local Ray instance (2 CPUs) started once for the module."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from robustsel.cli import main
from robustsel.config import parse_config
from robustsel.executors import InstanceJob, LocalExecutor, RayExecutor
from robustsel.executors.ray import _lines
from robustsel.instances import instance_spec
from robustsel.store import Store
from robustsel.study import Progress, Study
from robustsel.testing import FakeTask
from robustsel.testing.contracts import ExecutorContract
from robustsel.types import Model

NO_RAY = "Ray is not installed: pip install 'robustsel[ray]' to run the Ray tests (CI does)"


@pytest.fixture(scope="module")
def ray_executor() -> Iterator[RayExecutor]:
    """An entered RayExecutor that started a local Ray instance with 2 CPUs."""
    pytest.importorskip("ray", reason=NO_RAY)
    with RayExecutor(init_options={"num_cpus": 2}) as executor:
        yield executor


@pytest.mark.ray
class TestRayExecutor(ExecutorContract):
    @pytest.fixture
    def executor(self, ray_executor: RayExecutor) -> RayExecutor:
        return ray_executor


def _crashing_jobs(crash: list[int], n_instances: int) -> list[InstanceJob]:
    model = Model("m", {"mean": 0.5, "spread": 0.0, "crash": crash})
    return [InstanceJob(model, instance_spec(0, i)) for i in range(n_instances)]


@pytest.mark.ray
def test_a_dead_worker_is_retried_then_the_instance_succeeds(
    ray_executor: RayExecutor, tmp_path: Path
) -> None:
    task = FakeTask(marker_dir=str(tmp_path))
    results = list(ray_executor.run(task, _crashing_jobs([1], 3)))
    assert sorted((r.instance_index, r.status) for r in results) == [
        (0, "ok"),
        (1, "ok"),
        (2, "ok"),
    ]
    assert (tmp_path / "m-1.crashed").exists()


@pytest.mark.ray
def test_a_worker_that_dies_on_every_attempt_is_a_failed_result(
    ray_executor: RayExecutor, tmp_path: Path
) -> None:
    task = FakeTask(marker_dir=str(tmp_path))
    with RayExecutor(max_retries=0) as executor:
        results = {r.instance_index: r for r in executor.run(task, _crashing_jobs([0], 2))}
    assert results[0].status == "failed" and math.isnan(results[0].quality)
    assert results[0].error == "worker process died (killed or out of memory) on 1 attempts"
    assert results[1].status == "ok"
    assert ray_executor._ray.is_initialized(), "an executor that joined Ray must not stop it"


@pytest.mark.ray
def test_instances_of_a_batch_run_concurrently(ray_executor: RayExecutor) -> None:
    model = Model("m", {"mean": 0.5, "spread": 0.0, "seconds": 0.6})
    jobs = [InstanceJob(model, instance_spec(0, i)) for i in range(4)]
    list(ray_executor.run(FakeTask(), jobs[:2]))  # both workers warm
    started = time.perf_counter()
    assert len(list(ray_executor.run(FakeTask(), jobs))) == 4
    assert time.perf_counter() - started < 4 * 0.6 - 0.3, "4 x 0.6 s on 2 CPUs ran one by one"


@pytest.mark.ray
def test_resources_that_no_node_has_are_refused(ray_executor: RayExecutor) -> None:
    with pytest.raises(ValueError, match=r"^no Ray node has 1 CPUs and 1 GPUs for one instance"):
        RayExecutor(num_gpus_per_instance=1).__enter__()
    assert ray_executor._ray.is_initialized()


def _ecal_config(store: Path) -> Any:
    return parse_config(
        {
            "name": "tiny",
            "task": "ecal-energy",
            "task_options": {"n_validation": 256},
            "space": {
                "grid": {
                    "conv": [[{"channels": 4, "kernel": 3, "pool": 2}]],
                    "dense": [[16]],
                    "learning_rate": [0.001, 0.003, 0.01],
                }
            },
            "instances": {"per_model": 3, "train_size": 256, "seed": 5},
            "selection": {"criterion": "halving", "warmup": 2},
            "training": {"epochs": 1},
            "store": str(store),
        }
    )


def _stored(store: Path) -> dict[tuple[str, int], tuple[str, float | None]]:
    with Store(store, readonly=True) as db:
        return {
            (r.model_id, r.instance_index): (r.status, None if math.isnan(r.quality) else r.quality)
            for r in db.finished("tiny")
        }


@pytest.mark.ray
def test_a_calorimeter_study_selects_the_same_path_as_the_local_executor(
    ray_executor: RayExecutor, tmp_path: Path
) -> None:
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(ray_executor.threads)  # the same arithmetic as the Ray workers
    try:
        local = Study(_ecal_config(tmp_path / "local.sqlite")).run(
            executor=LocalExecutor(workers=0)
        )
    finally:
        torch.set_num_threads(threads)
    remote = Study(_ecal_config(tmp_path / "ray.sqlite")).run(executor=ray_executor)
    assert [d.kept for d in remote.decisions] == [d.kept for d in local.decisions]
    assert remote.selected_model == local.selected_model
    assert _stored(tmp_path / "ray.sqlite") == _stored(tmp_path / "local.sqlite")
    assert len(_stored(tmp_path / "ray.sqlite")) == local.cost.instances_trained >= 6


class _DriverKilled(Exception):
    pass


@pytest.mark.ray
def test_a_study_stopped_mid_run_resumes_without_retraining(
    ray_executor: RayExecutor, tmp_path: Path
) -> None:
    config = parse_config(
        {
            "name": "resume",
            "task": "robustsel.testing:fake_task",
            "space": {"grid": {"mean": [0.9, 0.8, 0.7], "spread": [0.01], "seconds": [0.05]}},
            "instances": {"per_model": 6},
            "store": str(tmp_path / "store.sqlite"),
        }
    )

    def stop_after_four(progress: Progress) -> None:
        if progress.result is not None and progress.instances_done == 4:
            raise _DriverKilled

    with pytest.raises(_DriverKilled):
        Study(config).run(executor=ray_executor, on_progress=stop_after_four)
    with Store(config.store_path, readonly=True) as db:
        before = {(r.model_id, r.instance_index): r.quality for r in db.finished("resume")}
    assert len(before) == 4
    outcome = Study(config).run(executor=ray_executor)
    assert outcome.n_reused == 4 and outcome.selected_model is not None
    with Store(config.store_path, readonly=True) as db:
        after = {(r.model_id, r.instance_index): r.quality for r in db.finished("resume")}
    assert {key: after[key] for key in before} == before
    assert ray_executor._ray.is_initialized(), "Study.run must not stop the Ray it was given"


def test_missing_ray_is_one_line_naming_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ValueError) as raised:
        RayExecutor()
    assert str(raised.value) == "executor kind 'ray' needs Ray: pip install 'robustsel[ray]'."


def _cli_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    config = {
        "name": "cli",
        "task": "robustsel.testing:fake_task",
        "space": {"grid": {"mean": [0.7, 0.8, 0.9], "spread": [0.01]}},
        "instances": {"per_model": 4},
        "store": str(tmp_path / "store.sqlite"),
    }
    path.write_text(yaml.safe_dump(config))
    return path


def test_the_cli_without_ray_says_which_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)
    assert main(["run", str(_cli_config(tmp_path)), "--executor", "ray"]) == 2
    assert capsys.readouterr().err == (
        "error: executor kind 'ray' needs Ray: pip install 'robustsel[ray]'.\n"
    )


@pytest.mark.ray
def test_the_cli_runs_and_resumes_on_ray(
    ray_executor: RayExecutor, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(_cli_config(tmp_path))
    assert main(["run", config, "--executor", "ray"]) == 0
    assert "selected model" in capsys.readouterr().out
    assert main(["run", config, "--executor", "ray", "--resume"]) == 0
    assert "reused" in capsys.readouterr().out
    assert ray_executor._ray.is_initialized()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_cpus_per_instance": 0}, "num_cpus_per_instance must be > 0; got 0."),
        ({"num_gpus_per_instance": -1}, "num_gpus_per_instance must be >= 0; got -1."),
        ({"max_retries": -1}, "max_retries must be >= 0; got -1."),
    ],
)
def test_bad_arguments(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        RayExecutor(**kwargs)  # type: ignore[arg-type]


def test_ray_error_lines_drop_colour_codes_and_blanks() -> None:
    error = RuntimeError(
        "\x1b[36mray::_train_in_worker()\x1b[39m (pid=1)\n\n  File 'x'\n"
        "ModuleNotFoundError: No module named 'mytask'\n"
    )
    lines = _lines(error)
    assert lines[0] == "ray::_train_in_worker() (pid=1)"
    assert lines[-1] == "ModuleNotFoundError: No module named 'mytask'"
    assert _lines(RuntimeError("")) == ["RuntimeError"]
