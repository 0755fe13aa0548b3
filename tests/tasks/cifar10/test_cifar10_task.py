"""Cifar10Task end to end on a generated archive, with a width-reduced ResNet-18."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from cifar10_archive import GeneratedCifar10

from robustsel.instances import instance_spec
from robustsel.tasks.base import Task
from robustsel.tasks.cifar10 import Cifar10Task, load_cifar10
from robustsel.tasks.cifar10.data import ENV_VAR
from robustsel.tasks.registry import make_task
from robustsel.types import Model

SMALL = {"num_filters": 4, "batch_size": 32}


@pytest.fixture
def task(cifar10: GeneratedCifar10) -> Cifar10Task:
    return Cifar10Task(
        data=str(cifar10.archive), train_size=100, device="cpu", training={"epochs": 1}
    )


def test_it_is_a_picklable_task(task: Cifar10Task) -> None:
    assert isinstance(task, Task)
    assert (task.name, task.quality, task.direction) == ("cifar10", "accuracy", "maximize")
    assert pickle.loads(pickle.dumps(task)) == task


def test_the_registry_builds_it_from_config_sections(cifar10: GeneratedCifar10) -> None:
    task = make_task("cifar10", {"data": str(cifar10.archive), "train_size": 30}, {"epochs": 2})
    assert isinstance(task, Cifar10Task)
    assert (task.train_size, task.base_config().epochs) == (30, 2)


def test_the_base_model_is_sgd_one_cycle() -> None:
    config = Cifar10Task(device="cpu").base_config()
    assert (config.optimizer, config.schedule, config.nesterov) == ("sgd", "onecycle", True)
    assert (config.learning_rate, config.weight_decay, config.batch_size) == (0.1, 5e-4, 128)
    assert (config.momentum, config.epochs, config.device) == (0.9, 30, "cpu")


def test_an_instance_trains_and_reports_accuracy_and_loss(
    task: Cifar10Task, cifar10: GeneratedCifar10
) -> None:
    result = task.train(Model("small", SMALL), instance_spec(0, 3))
    assert (result.model_id, result.instance_index, result.status) == ("small", 3, "ok")
    assert set(result.metrics) == {"accuracy", "loss"}
    assert result.quality == result.metrics["accuracy"]
    assert result.quality * len(cifar10.test_labels) == pytest.approx(
        round(result.quality * len(cifar10.test_labels))
    )
    assert 0 <= result.quality <= 1 and math.isfinite(result.metrics["loss"])
    assert result.cost > 0 and result.is_valid


def test_the_same_instance_trains_to_the_same_result(task: Cifar10Task) -> None:
    model = Model("small", {**SMALL, "activation": "prelu", "peak_lr": 0.05})
    first = task.train(model, instance_spec(1, 0))
    second = pickle.loads(pickle.dumps(task)).train(model, instance_spec(1, 0))
    assert first.metrics == second.metrics
    assert task.train(model, instance_spec(1, 1)).metrics != first.metrics


def test_a_diverging_instance_is_reported(task: Cifar10Task) -> None:
    result = task.train(Model("wild", {**SMALL, "peak_lr": 1e12}), instance_spec(0, 0))
    assert result.status == "diverged"
    assert math.isnan(result.quality) and not result.is_valid


def test_the_training_sample_follows_the_sample_seed(
    task: Cifar10Task, cifar10: GeneratedCifar10
) -> None:
    arrays = load_cifar10(cifar10.archive)
    a = task.training_sample(arrays, instance_spec(0, 0))
    b = task.training_sample(arrays, instance_spec(0, 0))
    c = task.training_sample(arrays, instance_spec(0, 1, train_size=150))
    assert a[0].shape == (100, 3, 32, 32) and c[0].shape == (150, 3, 32, 32)
    assert all(np.array_equal(x.numpy(), y.numpy()) for x, y in zip(a, b, strict=True))
    rows = [
        np.flatnonzero((arrays.train_images == image.numpy()).all(axis=(1, 2, 3))) for image in a[0]
    ]
    assert len({int(r[0]) for r in rows}) == 100  # drawn without replacement from the population
    assert all(
        arrays.train_labels[r[0]] == label for r, label in zip(rows, a[1].tolist(), strict=True)
    )
    with pytest.raises(ValueError, match=r"train_size must be in \[1, 200\] .*; got 201\."):
        task.training_sample(arrays, instance_spec(0, 0, train_size=201))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"dropout": 0.1}, r"unknown cifar10 model key 'dropout'; known keys: activation, "),
        ({"activation": "tanh"}, r"activation must be one of relu, prelu, leakyrelu; got 'tanh'\."),
        ({"num_filters": 0}, r"num_filters must be an integer >= 1; got 0\."),
        ({"num_filters": 2.5}, r"num_filters must be an integer >= 1; got 2\.5\."),
        ({"peak_lr": -0.1}, r"learning_rate must be a finite number in \(0, inf\); got -0\.1\."),
        ({"l2_reg": 1e-4, "weight_decay": 0.0}, r"weight_decay and l2_reg set the same field"),
        ({"batch_size": 0}, r"batch_size must be an integer >= 1; got 0\."),
    ],
)
def test_check_model_rejects_bad_models(task: Cifar10Task, params: dict, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        task.check_model(params)


def test_check_model_accepts_the_authors_variations(task: Cifar10Task) -> None:
    for filters in (32, 64, 128):
        for activation in ("relu", "prelu", "leakyrelu"):
            task.check_model(
                {
                    "num_filters": np.int64(filters),
                    "activation": activation,
                    "batch_size": 256,
                    "peak_lr": 0.01,
                    "l2_reg": 5e-4,
                }
            )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"train_size": 0}, r"train_size must be an integer >= 1; got 0\."),
        ({"label_smoothing": 1.0}, r"label_smoothing must be in \[0, 1\); got 1\.0\."),
        ({"training": {"epochs": 0}}, r"epochs must be an integer >= 1; got 0\."),
        ({"training": {"epoch": 3}}, r"training has no field 'epoch'; use the fields of "),
        ({"device": "tpu9"}, r"device must be a torch device"),
    ],
)
def test_bad_task_options_raise(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        Cifar10Task(**options)


def test_missing_data_fails_with_the_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    with pytest.raises(FileNotFoundError, match=f"CIFAR-10 data not configured.*{ENV_VAR}"):
        Cifar10Task(device="cpu").train(Model("m", SMALL), instance_spec(0, 0))
