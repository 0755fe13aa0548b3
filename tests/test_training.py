"""Tests of robustsel.training on a tiny synthetic regression (CPU, milliseconds each)."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
import torch
from torch import Tensor, nn

from robustsel.training import FitResult, TrainingConfig, fit, seeded, set_threads

mse = nn.functional.mse_loss


def regression(seed: int = 0, n: int = 256) -> tuple[Tensor, Tensor]:
    """``y = x @ w + noise`` with 4 features and 1 target."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=generator)
    w = torch.tensor([[1.0], [-2.0], [0.5], [3.0]])
    return x, x @ w + 0.01 * torch.randn(n, 1, generator=generator)


def network(init_seed: int = 0) -> nn.Module:
    with seeded(init_seed):
        return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))


def metrics(predictions: Tensor, targets: Tensor) -> dict[str, float]:
    return {
        "mse": mse(predictions, targets).item(),
        "mae": (predictions - targets).abs().mean().item(),
    }


def train(
    config: TrainingConfig, *, order_seed: int = 0, init_seed: int = 0, **kwargs: Any
) -> FitResult:
    validation = kwargs.pop("validation", regression(1, 128))
    net = kwargs.pop("net", None)
    return fit(
        network(init_seed) if net is None else net,
        regression(0),
        validation,
        loss=mse,
        evaluate=metrics,
        quality="mse",
        direction="minimize",
        config=config,
        order_seed=order_seed,
        **kwargs,
    )


FAST = TrainingConfig(epochs=4, batch_size=32, learning_rate=0.01)


def test_same_seeds_give_the_same_result_bit_for_bit() -> None:
    first, second = train(FAST), train(FAST)
    assert first.metrics == second.metrics
    assert first.history == second.history


def test_order_and_init_seeds_change_the_result() -> None:
    base = train(FAST).metrics
    assert train(FAST, order_seed=1).metrics != base
    assert train(FAST, init_seed=1).metrics != base


def test_result_fields() -> None:
    result = train(FAST)
    assert (result.epochs, result.best_epoch, result.diverged) == (4, 4, False)
    assert result.seconds > 0
    assert [row["epoch"] for row in result.history] == [1, 2, 3, 4]
    assert set(result.history[0]) == {"epoch", "train_loss", "lr", "mse", "mae"}
    assert result.metrics == {"mse": result.history[-1]["mse"], "mae": result.history[-1]["mae"]}


@pytest.mark.parametrize("schedule", ["constant", "onecycle", "cosine"])
@pytest.mark.parametrize("optimizer", ["adamw", "nadam", "sgd"])
def test_every_optimizer_and_schedule_lowers_the_loss(optimizer: str, schedule: str) -> None:
    config = TrainingConfig(
        epochs=6,
        batch_size=32,
        optimizer=optimizer,
        schedule=schedule,
        learning_rate=0.01 if optimizer == "sgd" else 0.02,
        warmup_epochs=1.0 if schedule != "onecycle" else 0.0,
    )
    net = network()
    validation = regression(1, 128)
    with torch.no_grad():
        before = mse(net(validation[0]), validation[1]).item()
    result = train(config, net=net, validation=validation)
    assert not result.diverged
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"]
    assert result.metrics["mse"] < 0.5 * before


def test_schedules_shape_the_learning_rate() -> None:
    rates: dict[str, list[float]] = {}
    for schedule in ("constant", "onecycle", "cosine"):
        config = TrainingConfig(epochs=4, batch_size=32, learning_rate=0.01, schedule=schedule)
        rates[schedule] = [row["lr"] for row in train(config).history]
    assert rates["constant"] == [0.01] * 4
    assert rates["cosine"][-1] == pytest.approx(0.0, abs=1e-12)
    assert rates["cosine"] == sorted(rates["cosine"], reverse=True)
    assert max(rates["onecycle"]) <= 0.01
    assert rates["onecycle"][-1] == pytest.approx(1e-6, rel=1e-3)


def test_early_stopping_keeps_and_restores_the_best_epoch() -> None:
    x, y = regression(1, 128)
    opposite = (x, -y)  # training on y makes the validation on -y worse every epoch
    net = network()
    config = TrainingConfig(epochs=20, batch_size=32, learning_rate=0.01, early_stopping_patience=2)
    result = train(config, net=net, validation=opposite)
    assert (result.best_epoch, result.epochs, result.diverged) == (1, 3, False)
    assert result.metrics["mse"] == result.history[0]["mse"]
    assert result.history[2]["mse"] > result.history[0]["mse"]
    with torch.no_grad():
        assert mse(net(x), -y).item() == pytest.approx(result.metrics["mse"], rel=1e-6)


def test_without_early_stopping_the_last_epoch_is_kept() -> None:
    x, y = regression(1, 128)
    result = train(FAST, validation=(x, -y))
    assert result.best_epoch == result.epochs == 4
    assert result.metrics["mse"] == result.history[-1]["mse"]


def test_divergence_is_reported_not_raised() -> None:
    config = TrainingConfig(epochs=5, batch_size=32, optimizer="sgd", learning_rate=1e6)
    result = train(config)
    assert result.diverged
    assert result.epochs < 5
    assert not math.isfinite(result.metrics["mse"]) or not math.isfinite(
        result.history[-1]["train_loss"]
    )


def test_augment_and_transform_are_applied() -> None:
    calls: list[tuple[int, bool]] = []

    def augment(batch: Tensor, generator: torch.Generator) -> Tensor:
        calls.append((len(batch), isinstance(generator, torch.Generator)))
        return batch + 0.01 * torch.randn(batch.shape, generator=generator)

    def transform(batch: Tensor) -> Tensor:
        return batch * 2

    config = TrainingConfig(epochs=1, batch_size=100)
    first = train(config, augment=augment, transform=transform)
    assert calls == [(100, True), (100, True), (56, True)]
    assert first.metrics == train(config, augment=augment, transform=transform).metrics
    assert first.metrics != train(config, transform=transform).metrics


def test_a_last_batch_of_one_example_is_left_out_for_batchnorm() -> None:
    with seeded(0):
        net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 1))
    x, y = regression(0, 65)
    config = TrainingConfig(epochs=1, batch_size=32)
    result = fit(
        net,
        (x, y),
        (x, y),
        loss=mse,
        evaluate=metrics,
        quality="mse",
        direction="minimize",
        config=config,
        order_seed=0,
    )
    assert not result.diverged


def test_missing_quality_and_bad_direction_raise() -> None:
    with pytest.raises(ValueError, match="quality 'r2' is not among"):
        fit(
            network(),
            regression(),
            regression(1),
            loss=mse,
            evaluate=metrics,
            quality="r2",
            direction="minimize",
            config=FAST,
            order_seed=0,
        )
    with pytest.raises(ValueError, match="direction must be"):
        fit(
            network(),
            regression(),
            regression(1),
            loss=mse,
            evaluate=metrics,
            quality="mse",
            direction="max",
            config=FAST,
            order_seed=0,
        )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("epochs", 0),
        ("epochs", 2.5),
        ("batch_size", 0),
        ("batch_size", True),
        ("eval_batch_size", -1),
        ("optimizer", "adam"),
        ("schedule", "step"),
        ("learning_rate", 0.0),
        ("learning_rate", math.nan),
        ("weight_decay", -1e-4),
        ("momentum", 1.0),
        ("warmup_epochs", -1.0),
        ("warmup_epochs", 11.0),
        ("early_stopping_patience", 0),
        ("nesterov", "yes"),
        ("mixed_precision", 1),
        ("channels_last", None),
        ("device", "gpu0"),
    ],
)
def test_bad_config_values_raise_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=rf"^{field} must .*; got {re.escape(repr(value))}\.$"):
        TrainingConfig(**{field: value})


def test_with_overrides_reads_aliases_and_ignores_architecture_keys() -> None:
    config = TrainingConfig().with_overrides(
        {"peak_lr": 0.1, "l2_reg": "5e-4", "batch_size": 512.0, "optimizer": "sgd", "units": 64}
    )
    assert (config.learning_rate, config.weight_decay) == (0.1, 5e-4)
    assert (config.batch_size, config.optimizer, config.epochs) == (512, "sgd", 10)
    assert TrainingConfig().with_overrides({"momentum": 0.8, "epochs": 3}).epochs == 3


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"learning_rate": 0.1, "peak_lr": 0.2}, "learning_rate and peak_lr set the same field"),
        ({"batch_size": "many"}, "batch_size must be a number; got 'many'."),
        ({"batch_size": 12.5}, "batch_size must be an integer >= 1; got 12.5."),
        ({"l2_reg": -1}, "weight_decay must be a finite number in [0, inf); got -1.0."),
    ],
)
def test_with_overrides_rejects_bad_values(params: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        TrainingConfig().with_overrides(params)


def test_set_threads_shares_the_cores() -> None:
    before = torch.get_num_threads()
    try:
        assert set_threads(3, cores=8) == 2
        assert torch.get_num_threads() == 2
        assert set_threads(16, cores=8) == 1
        assert set_threads(1) >= 1
    finally:
        torch.set_num_threads(before)
    with pytest.raises(ValueError, match=r"workers must be >= 1; got 0\."):
        set_threads(0)


def test_seeded_fixes_initialization_and_restores_the_generator() -> None:
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    a, b = network(5), network(5)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert torch.equal(torch.rand(1), expected)


@pytest.mark.parametrize(
    ("diverged", "value", "status"),
    [(False, 0.5, "ok"), (True, 0.5, "diverged"), (False, math.inf, "diverged")],
)
def test_a_run_becomes_an_instance_result(diverged: bool, value: float, status: str) -> None:
    run = FitResult({"mse": value, "mae": 0.1}, 3, 3, diverged, 12.5)
    result = run.instance_result("m", 4, "mse", epochs=3.0)
    assert (result.model_id, result.instance_index, result.cost, result.status) == (
        "m",
        4,
        12.5,
        status,
    )
    assert result.quality == value if status == "ok" else math.isnan(result.quality)
    assert result.metrics == {"mse": value, "mae": 0.1, "epochs": 3.0}
