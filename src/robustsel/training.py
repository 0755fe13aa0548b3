"""The PyTorch trainer shared by every task: one instance, one call to :func:`fit`.

A task builds its network under :func:`seeded` (the instance's initialization
seed), then calls :func:`fit` with its training sample, its validation set, a
loss, a metric function and a :class:`TrainingConfig` merged with the model's
hyperparameters (:meth:`TrainingConfig.with_overrides`). :func:`fit` shuffles the
data with a generator seeded by the instance's order seed, so on CPU two calls
with the same seeds give the same metrics bit for bit.

The instance quality is the validation metric at the epoch kept: the last one,
or the best one when early stopping is on (Boldyrev et al., 2025: "a fixed
number of iterations is reached or early stopping triggers"). A NaN or infinite
loss or quality ends training and is reported, never raised.
"""

from __future__ import annotations

import math
import numbers
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

import torch
from torch import Tensor, nn

from robustsel.types import InstanceResult

Optimizer = Literal["adamw", "nadam", "sgd"]
Schedule = Literal["constant", "onecycle", "cosine"]

OPTIMIZERS: tuple[Optimizer, ...] = ("adamw", "nadam", "sgd")
SCHEDULES: tuple[Schedule, ...] = ("constant", "onecycle", "cosine")
ONECYCLE_RISE = 0.3
ONECYCLE_START = 1 / 25
ONECYCLE_END = 1e-4

# Keys of a model's configuration that set training hyperparameters, by field.
OVERRIDE_KEYS: dict[str, tuple[str, ...]] = {
    "batch_size": ("batch_size",),
    "learning_rate": ("learning_rate", "peak_lr"),
    "weight_decay": ("weight_decay", "l2_reg"),
    "optimizer": ("optimizer",),
    "momentum": ("momentum",),
    "epochs": ("epochs",),
}


@dataclass(frozen=True)
class TrainingConfig:
    """How one instance trains: optimizer, schedule, stopping rule and device.

    Parameters
    ----------
    epochs : int, default=10
        Passes over the training sample (the most, with early stopping); >= 1.
    batch_size : int, default=256
        Training examples per optimizer step; >= 1.
    optimizer : {"adamw", "nadam", "sgd"}, default="adamw"
        ``torch.optim.AdamW``, ``NAdam`` or ``SGD``.
    learning_rate : float, default=1e-3
        The base rate; the peak of the one-cycle schedule; > 0.
    weight_decay : float, default=0.0
        L2 regularization, the optimizer's ``weight_decay`` (decoupled for
        AdamW); >= 0.
    momentum : float, default=0.9
        SGD momentum, in [0, 1).
    nesterov : bool, default=False
        Nesterov momentum for SGD.
    schedule : {"constant", "onecycle", "cosine"}, default="constant"
        Learning rate per step. ``onecycle`` rises linearly from
        ``learning_rate / 25`` to ``learning_rate`` then anneals (cosine) to
        ``learning_rate * 1e-4``; ``cosine`` anneals to zero.
    warmup_epochs : float, default=0.0
        Linear warm-up from zero for ``constant`` and ``cosine``; the rising
        phase of ``onecycle`` (30% of the steps when 0). At most ``epochs``.
    early_stopping_patience : int or None, default=None
        Stop after this many epochs without improvement of the quality and keep
        the best epoch's weights; None trains every epoch and keeps the last.
    eval_batch_size : int, default=1024
        Validation examples per forward pass; >= 1.
    device : str, default="cpu"
        A ``torch.device`` string.
    mixed_precision : bool, default=False
        Autocast (bfloat16, else float16 with a gradient scaler); CUDA only.
        On CUDA, :func:`fit` also turns on ``torch.backends.cudnn.benchmark``:
        GPU runs are not bit-for-bit repeatable (nondeterministic kernels are
        part of an instance's internal randomness in Boldyrev et al., 2025).
    channels_last : bool, default=False
        Channels-last memory format for 4-D inputs; CUDA only.

    Raises
    ------
    ValueError
        A field outside its range, naming the field and the value.

    Examples
    --------
    >>> config = TrainingConfig(epochs=5).with_overrides({"peak_lr": 0.1, "units": 8})
    >>> config.learning_rate, config.epochs
    (0.1, 5)
    """

    epochs: int = 10
    batch_size: int = 256
    optimizer: Optimizer = "adamw"
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    momentum: float = 0.9
    nesterov: bool = False
    schedule: Schedule = "constant"
    warmup_epochs: float = 0.0
    early_stopping_patience: int | None = None
    eval_batch_size: int = 1024
    device: str = "cpu"
    mixed_precision: bool = False
    channels_last: bool = False

    def __post_init__(self) -> None:
        _check_int("epochs", self.epochs, minimum=1)
        _check_int("batch_size", self.batch_size, minimum=1)
        _check_int("eval_batch_size", self.eval_batch_size, minimum=1)
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_choice("schedule", self.schedule, SCHEDULES)
        _check_real("learning_rate", self.learning_rate, low=0.0, strict=True)
        _check_real("weight_decay", self.weight_decay, low=0.0)
        _check_real("momentum", self.momentum, low=0.0, high=1.0)
        _check_real("warmup_epochs", self.warmup_epochs, low=0.0)
        if self.warmup_epochs > self.epochs:
            raise ValueError(
                f"warmup_epochs must be <= epochs ({self.epochs}); got {self.warmup_epochs}."
            )
        if self.early_stopping_patience is not None:
            _check_int("early_stopping_patience", self.early_stopping_patience, minimum=1)
        for name in ("nesterov", "mixed_precision", "channels_last"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False; got {getattr(self, name)!r}.")
        _check_device(self.device)

    def with_overrides(self, params: Mapping[str, Any]) -> TrainingConfig:
        """This configuration with the training hyperparameters a model sets.

        Parameters
        ----------
        params : Mapping[str, Any]
            A model's configuration. ``batch_size``, ``learning_rate`` (or
            ``peak_lr``), ``weight_decay`` (or ``l2_reg``), ``optimizer``,
            ``momentum`` and ``epochs`` replace the fields of the same name; other
            keys (the architecture's) are ignored.

        Returns
        -------
        TrainingConfig
            A new, validated configuration.

        Raises
        ------
        ValueError
            A value out of range, or a key and its alias both given with
            different values.
        """
        changes: dict[str, Any] = {}
        for name, keys in OVERRIDE_KEYS.items():
            given = {key: params[key] for key in keys if key in params}
            if len(set(map(repr, given.values()))) > 1:
                raise ValueError(f"{' and '.join(given)} set the same field differently: {given}.")
            if given:
                changes[name] = _coerce(name, next(iter(given.values())))
        return replace(self, **changes)


@dataclass(frozen=True)
class FitResult:
    """What :func:`fit` measured on one training run.

    Attributes
    ----------
    metrics : dict[str, float]
        Validation metrics at the epoch kept: the best one by the quality when
        early stopping is on, else the last one run.
    epochs : int
        Epochs run.
    best_epoch : int
        The epoch kept (1-based).
    diverged : bool
        A NaN or infinite training loss or quality stopped training; ``metrics``
        are those of that epoch.
    seconds : float
        Wall-clock seconds of the epochs, training and validation (setup such as
        building the optimizer, whose first use imports much of torch, is left
        out).
    history : list[dict[str, float]]
        One row per epoch: ``epoch``, ``train_loss``, ``lr`` (at the epoch's end)
        and the validation metrics.
    """

    metrics: dict[str, float]
    epochs: int
    best_epoch: int
    diverged: bool
    seconds: float
    history: list[dict[str, float]] = field(default_factory=list)

    def instance_result(
        self, model_id: str, instance_index: int, quality: str, **extra: float
    ) -> InstanceResult:
        """This run as an instance's result: the ``quality`` metric, the training
        seconds as cost, the metrics (and ``extra`` ones); status ``diverged``, with
        a NaN quality, when training diverged or the quality is not finite."""
        value = self.metrics[quality]
        diverged = self.diverged or not math.isfinite(value)
        return InstanceResult(
            model_id,
            instance_index,
            math.nan if diverged else value,
            cost=self.seconds,
            status="diverged" if diverged else "ok",
            metrics={**self.metrics, **extra},
        )


def fit(
    net: nn.Module,
    train: tuple[Tensor, Tensor],
    validation: tuple[Tensor, Tensor],
    *,
    loss: Callable[[Tensor, Tensor], Tensor],
    evaluate: Callable[[Tensor, Tensor], dict[str, float]],
    quality: str,
    direction: Literal["minimize", "maximize"],
    config: TrainingConfig,
    order_seed: int,
    augment: Callable[[Tensor, torch.Generator], Tensor] | None = None,
    transform: Callable[[Tensor], Tensor] | None = None,
) -> FitResult:
    """Train ``net`` in place on ``train`` and measure it on ``validation``.

    Parameters
    ----------
    net : torch.nn.Module
        The network, initialized (see :func:`seeded`); moved to ``config.device``.
    train, validation : tuple of Tensor
        Inputs and targets, first axis the examples; moved to ``config.device``
        once.
    loss : callable
        ``loss(outputs, targets)``: the scalar training loss of a batch.
    evaluate : callable
        ``evaluate(predictions, targets)``: metrics from the network's outputs on
        the whole validation set (float32) and its targets.
    quality : str
        The metric of ``evaluate`` that early stopping and divergence watch.
    direction : {"minimize", "maximize"}
        Whether a smaller or a larger quality is better.
    config : TrainingConfig
        Optimizer, schedule, stopping rule and device.
    order_seed : int
        Seeds the generator of the data order and of ``augment``.
    augment : callable, optional
        ``augment(inputs, generator)``: a randomly transformed training batch.
    transform : callable, optional
        ``transform(inputs)``: applied on the device to every batch, training
        (after ``augment``) and validation, before the network (for example
        ``uint8`` images to normalized floats).

    Returns
    -------
    FitResult

    Raises
    ------
    ValueError
        ``direction`` unknown, an empty training or validation set, or
        ``quality`` missing from the metrics.

    Examples
    --------
    >>> x = torch.linspace(-1, 1, 64).unsqueeze(1)
    >>> with seeded(0):
    ...     net = nn.Linear(1, 1)
    >>> mse = nn.functional.mse_loss
    >>> config = TrainingConfig(epochs=20, batch_size=16, learning_rate=0.1)
    >>> result = fit(net, (x, 3 * x), (x, 3 * x), loss=mse,
    ...              evaluate=lambda p, y: {"mse": mse(p, y).item()}, quality="mse",
    ...              direction="minimize", config=config, order_seed=0)
    >>> result.epochs, result.diverged, result.metrics["mse"] < 0.01
    (20, False, True)
    """
    if direction not in ("minimize", "maximize"):
        raise ValueError(f"direction must be 'minimize' or 'maximize'; got {direction!r}.")
    if len(train[0]) == 0 or len(validation[0]) == 0:
        raise ValueError(
            f"train and validation need examples; got {len(train[0])} and {len(validation[0])}."
        )
    device = torch.device(config.device)
    run = _Run(net, config, device, transform)
    train = (train[0].to(device), train[1].to(device))
    validation = (validation[0].to(device), validation[1].to(device))
    generator = torch.Generator().manual_seed(order_seed)
    batches = _batch_count(len(train[0]), config.batch_size)
    optimizer = make_optimizer(net.parameters(), config)
    scheduler = make_scheduler(optimizer, config, steps=config.epochs * batches)
    history: list[dict[str, float]] = []
    measured: list[dict[str, float]] = []
    best: tuple[int, float, dict[str, Tensor] | None] = (0, math.nan, None)
    diverged = False
    start = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        train_loss = run.epoch(train, loss, optimizer, scheduler, generator, augment)
        metrics = _measure(evaluate, run.predict(validation[0]), validation[1], quality)
        measured.append(metrics)
        history.append({"epoch": epoch, "train_loss": train_loss, "lr": _lr(optimizer), **metrics})
        diverged = not (math.isfinite(train_loss) and math.isfinite(metrics[quality]))
        if diverged:
            break
        if epoch == 1 or _better(metrics[quality], best[1], direction):
            best = (epoch, metrics[quality], _weights(net, config))
        patience = config.early_stopping_patience
        if patience is not None and epoch - best[0] >= patience:
            break
    kept = len(history) if diverged or config.early_stopping_patience is None else best[0]
    if best[2] is not None and kept == best[0]:
        net.load_state_dict(best[2])
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return FitResult(
        metrics=measured[kept - 1],
        epochs=len(history),
        best_epoch=kept,
        diverged=diverged,
        seconds=time.perf_counter() - start,
        history=history,
    )


def make_optimizer(params: Iterator[nn.Parameter], config: TrainingConfig) -> torch.optim.Optimizer:
    """The optimizer ``config.optimizer`` with its rate, weight decay and momentum."""
    rate, decay = config.learning_rate, config.weight_decay
    if config.optimizer == "sgd":
        return torch.optim.SGD(
            params, lr=rate, momentum=config.momentum, weight_decay=decay, nesterov=config.nesterov
        )
    if config.optimizer == "nadam":
        return torch.optim.NAdam(params, lr=rate, weight_decay=decay)
    return torch.optim.AdamW(params, lr=rate, weight_decay=decay)


def make_scheduler(
    optimizer: torch.optim.Optimizer, config: TrainingConfig, *, steps: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """A per-step scheduler following ``config.schedule`` over ``steps`` steps."""
    warmup = round(steps * config.warmup_epochs / config.epochs)
    if config.schedule == "onecycle" and warmup == 0:
        warmup = max(1, round(steps * ONECYCLE_RISE))
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(step, steps, config, rise=warmup)
    )


def lr_factor(step: int, steps: int, config: TrainingConfig, *, rise: int) -> float:
    """Multiplier of ``config.learning_rate`` at optimizer step ``step`` (0-based).

    ``rise`` steps of linear warm-up (the rising phase of one-cycle), then the
    schedule's shape over the remaining steps.

    Examples
    --------
    >>> config = TrainingConfig(epochs=1, schedule="onecycle")
    >>> [round(lr_factor(s, 10, config, rise=3), 3) for s in (0, 3, 9)]
    [0.04, 1.0, 0.05]
    """
    if config.schedule == "onecycle":
        if step < rise:
            return ONECYCLE_START + (1 - ONECYCLE_START) * step / rise
        return ONECYCLE_END + (1 - ONECYCLE_END) * _cosine(step - rise, steps - rise)
    if step < rise:
        return (step + 1) / (rise + 1)
    if config.schedule == "cosine":
        return _cosine(step - rise, steps - rise)
    return 1.0


def set_threads(workers: int, cores: int | None = None) -> int:
    """Give each of ``workers`` processes an equal share of the CPU cores.

    Calls :func:`torch.set_num_threads` in this process so that ``workers``
    processes doing the same fit on ``cores`` cores (default: the cores this
    process may use).

    Returns
    -------
    int
        The threads this process uses, at least 1.

    Examples
    --------
    >>> before = torch.get_num_threads()
    >>> set_threads(4, cores=8)
    2
    >>> _ = set_threads(1, cores=before)
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1; got {workers}.")
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if cores is None or cores < 1:
        raise ValueError(f"cores must be >= 1; got {cores}.")
    threads = max(1, cores // workers)
    torch.set_num_threads(threads)
    return threads


@contextmanager
def seeded(init_seed: int) -> Iterator[None]:
    """Make the weight initialization inside the block depend only on ``init_seed``.

    Seeds the CPU generator of torch (create the network on CPU, then let
    :func:`fit` move it) and restores the previous state afterwards, so code
    outside the block is unaffected.

    Examples
    --------
    >>> with seeded(3):
    ...     a = nn.Linear(2, 2).weight
    >>> with seeded(3):
    ...     b = nn.Linear(2, 2).weight
    >>> bool(torch.equal(a, b))
    True
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(init_seed)
        yield


class _Run:
    """The per-fit state of the device: precision, memory format, scaler."""

    def __init__(
        self,
        net: nn.Module,
        config: TrainingConfig,
        device: torch.device,
        transform: Callable[[Tensor], Tensor] | None,
    ) -> None:
        cuda = device.type == "cuda"
        self.net = net.to(device)
        self.config = config
        self.transform = transform
        self.channels_last = config.channels_last and cuda
        if self.channels_last:
            self.net.to(memory_format=torch.channels_last)
        self.autocast = config.mixed_precision and cuda
        bf16 = self.autocast and torch.cuda.is_bf16_supported()
        self.dtype = torch.bfloat16 if bf16 else torch.float16
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.autocast and not bf16)
        if cuda:
            torch.backends.cudnn.benchmark = True
        self.device = device

    def inputs(self, x: Tensor) -> Tensor:
        """A batch as the network takes it: transformed, in the memory format."""
        if self.transform is not None:
            x = self.transform(x)
        if self.channels_last and x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def forward(self, x: Tensor) -> Tensor:
        with torch.autocast(self.device.type, dtype=self.dtype, enabled=self.autocast):
            return self.net(self.inputs(x))

    def epoch(
        self,
        data: tuple[Tensor, Tensor],
        loss: Callable[[Tensor, Tensor], Tensor],
        optimizer: torch.optim.Optimizer,
        scheduler: torch.optim.lr_scheduler.LambdaLR,
        generator: torch.Generator,
        augment: Callable[[Tensor, torch.Generator], Tensor] | None,
    ) -> float:
        """One pass over ``data`` in a random order; the mean training loss."""
        self.net.train()
        x, y = data
        order = torch.randperm(len(x), generator=generator).to(self.device)
        total = torch.zeros((), device=self.device)
        seen = 0
        for index in _batches(order, self.config.batch_size):
            batch = x[index]
            if augment is not None:
                batch = augment(batch, generator)
            value = loss(self.forward(batch).float(), y[index])
            optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(value).backward()
            self.scaler.step(optimizer)
            self.scaler.update()
            scheduler.step()
            total += value.detach() * len(index)
            seen += len(index)
        return float(total) / seen

    def predict(self, x: Tensor) -> Tensor:
        """The network's outputs on ``x`` in batches, float32."""
        self.net.eval()
        with torch.inference_mode():
            parts = [
                self.forward(x[i : i + self.config.eval_batch_size]).float()
                for i in range(0, len(x), self.config.eval_batch_size)
            ]
        return torch.cat(parts)


def _batches(order: Tensor, size: int) -> list[Tensor]:
    """Batches of ``order``; a last batch of one example joins none (BatchNorm)."""
    parts = list(order.split(size))
    if len(parts) > 1 and len(parts[-1]) == 1:
        parts.pop()
    return parts


def _batch_count(n: int, size: int) -> int:
    count = math.ceil(n / size)
    return count - 1 if count > 1 and n % size == 1 else count


def _measure(
    evaluate: Callable[[Tensor, Tensor], dict[str, float]],
    predictions: Tensor,
    targets: Tensor,
    quality: str,
) -> dict[str, float]:
    metrics = {k: float(v) for k, v in evaluate(predictions, targets).items()}
    if quality not in metrics:
        raise ValueError(f"quality {quality!r} is not among the metrics {sorted(metrics)}.")
    return metrics


def _weights(net: nn.Module, config: TrainingConfig) -> dict[str, Tensor] | None:
    """A copy of the weights when early stopping may restore them, else None."""
    if config.early_stopping_patience is None:
        return None
    return {k: v.detach().clone() for k, v in net.state_dict().items()}


def _better(value: float, best: float, direction: str) -> bool:
    return value < best if direction == "minimize" else value > best


def _lr(optimizer: torch.optim.Optimizer) -> float:
    return float(optimizer.param_groups[0]["lr"])


def _cosine(step: int, steps: int) -> float:
    return 0.5 * (1 + math.cos(math.pi * min(step, steps) / max(steps, 1)))


def _check_int(name: str, value: Any, *, minimum: int) -> None:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")


def _check_real(
    name: str, value: Any, *, low: float, high: float = math.inf, strict: bool = False
) -> None:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > low if strict else value >= low) and value < high
    if not ok:
        interval = f"{'(' if strict else '['}{low:g}, {high:g})"
        raise ValueError(f"{name} must be a finite number in {interval}; got {value!r}.")


def _check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}.")


def _check_device(device: Any) -> None:
    try:
        torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device must be a torch device such as 'cpu' or 'cuda:0'; got {device!r}."
        ) from None


def _coerce(name: str, value: Any) -> Any:
    """A model's value as the field's type (YAML and NumPy give strings, numpy ints)."""
    kind = {f.name: f.type for f in fields(TrainingConfig)}[name]
    try:
        if kind == "int" and float(value) == int(float(value)):
            return int(float(value))
        if kind == "float":
            return float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be a number; got {value!r}.") from None
    return value
