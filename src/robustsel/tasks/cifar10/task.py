"""The CIFAR-10 task: train one instance of a CIFAR ResNet-18 model.

Evaluation 1 of Boldyrev et al. (2025): the 50,000 training images are the
population, from which instance i draws its training sample (10k, 20k or 30k
images) with its sample seed; the 10,000 test images are the fixed validation
set, and the instance quality is the validation accuracy (maximized).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional

from robustsel.instances import InstanceSpec
from robustsel.tasks.cifar10.augment import normalize, random_crop_flip
from robustsel.tasks.cifar10.data import Cifar10Arrays, load_cifar10, resolve_cifar10
from robustsel.tasks.cifar10.resnet import ACTIVATIONS, resnet18
from robustsel.training import TrainingConfig, fit, seeded
from robustsel.types import Direction, InstanceResult, Model

ARCHITECTURE_KEYS = ("activation", "num_filters")
TRAINING_KEYS = (
    "batch_size",
    "peak_lr",
    "learning_rate",
    "l2_reg",
    "weight_decay",
    "optimizer",
    "momentum",
    "epochs",
)


BASE_MODEL: dict[str, Any] = {
    "epochs": 30,
    "batch_size": 128,
    "optimizer": "sgd",
    "learning_rate": 0.1,
    "weight_decay": 5e-4,
    "momentum": 0.9,
    "nesterov": True,
    "schedule": "onecycle",
    "eval_batch_size": 1000,
    "mixed_precision": True,
    "channels_last": True,
}
"""Training of the base model (the Benchopt ResNet-18 recipe, one-cycle schedule)."""


@dataclass(frozen=True)
class Cifar10Task:
    """Train a CIFAR ResNet-18 model on a subset of the CIFAR-10 training images.

    A model's ``params`` may set ``batch_size``, ``peak_lr`` (or
    ``learning_rate``), ``l2_reg`` (or ``weight_decay``), ``optimizer``,
    ``momentum``, ``epochs`` (see :class:`robustsel.training.TrainingConfig`),
    ``activation`` (relu, prelu, leakyrelu) and ``num_filters`` (the base
    filters, 64 for ResNet-18). The rest is the base model (:data:`BASE_MODEL`):
    30 epochs of SGD with Nesterov momentum 0.9, weight decay 5e-4, batch 128,
    one-cycle learning rate to a peak of 0.1, the standard augmentation
    (4-pixel padded random crop, horizontal flip), mixed precision and
    channels-last on CUDA.

    Parameters
    ----------
    data : str, optional
        The CIFAR-10 archive or its batch folder (see
        :func:`~robustsel.tasks.cifar10.data.resolve_cifar10`); the environment
        variable ``ROBUSTSEL_CIFAR10`` when None. Read lazily, once per process.
    train_size : int, default=10000
        Training sample size when the instance's ``train_size`` is None.
    label_smoothing : float, default=0.0
        Label smoothing of the training cross-entropy, in [0, 1).
    device : str, default="auto"
        ``"auto"`` (CUDA when available, else CPU) or a ``torch.device`` string.
    training : Mapping, optional
        Fields of :class:`~robustsel.training.TrainingConfig` that replace the
        base model's (``epochs``, ``device``, ``mixed_precision`` ...); a
        model's own hyperparameters override both.

    Examples
    --------
    >>> task = Cifar10Task(train_size=20_000, training={"epochs": 15})
    >>> task.name, task.quality, task.direction, task.base_config().epochs
    ('cifar10', 'accuracy', 'maximize', 15)
    >>> task.check_model({"peak_lr": 0.05, "activation": "prelu", "num_filters": 32})
    """

    name: ClassVar[str] = "cifar10"
    quality: ClassVar[str] = "accuracy"
    direction: ClassVar[Direction] = "maximize"

    data: str | None = None
    train_size: int = 10_000
    label_smoothing: float = 0.0
    device: str = "auto"
    training: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.data, os.PathLike):
            object.__setattr__(self, "data", os.fspath(self.data))
        if not isinstance(self.train_size, int) or self.train_size < 1:
            raise ValueError(f"train_size must be an integer >= 1; got {self.train_size!r}.")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1); got {self.label_smoothing!r}.")
        unknown = sorted(set(self.training) - {f.name for f in fields(TrainingConfig)})
        if unknown:
            raise ValueError(
                f"training has no field {unknown[0]!r}; use the fields of TrainingConfig."
            )
        self.base_config()

    def base_config(self) -> TrainingConfig:
        """The base model's training, with :attr:`training` and :attr:`device` applied."""
        settings = {**BASE_MODEL, "device": self.device, **self.training}
        if settings["device"] == "auto":
            settings["device"] = "cuda" if torch.cuda.is_available() else "cpu"
        return TrainingConfig(**settings)

    def check_model(self, params: Mapping[str, Any]) -> None:
        """Raise ``ValueError`` on an unknown key or a value out of range.

        Raises
        ------
        ValueError
            A key that is neither an architecture nor a training key, an
            activation other than relu, prelu and leakyrelu, ``num_filters``
            below 1, or a training value that
            :meth:`~robustsel.training.TrainingConfig.with_overrides` rejects.
        """
        unknown = sorted(set(params) - set(ARCHITECTURE_KEYS) - set(TRAINING_KEYS))
        if unknown:
            known = ", ".join(sorted((*ARCHITECTURE_KEYS, *TRAINING_KEYS)))
            raise ValueError(f"unknown cifar10 model key {unknown[0]!r}; known keys: {known}.")
        activation = params.get("activation", "relu")
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {', '.join(ACTIVATIONS)}; got {activation!r}."
            )
        filters = params.get("num_filters", 64)
        if not isinstance(filters, int | np.integer) or isinstance(filters, bool) or filters < 1:
            raise ValueError(f"num_filters must be an integer >= 1; got {filters!r}.")
        self.base_config().with_overrides(params)

    def train(self, model: Model, spec: InstanceSpec) -> InstanceResult:
        """Train instance ``spec`` of ``model``; quality: validation accuracy.

        The training sample (``spec.train_size`` or :attr:`train_size` images)
        is drawn without replacement from the 50,000 training images with
        ``spec.sample_seed``; the weights are initialized under
        ``spec.init_seed``; the data order and augmentation follow
        ``spec.order_seed``. Metrics: ``accuracy`` and ``loss`` (cross-entropy
        without smoothing) on the 10,000 test images; cost: training seconds.
        """
        self.check_model(model.params)
        config = self.base_config().with_overrides(model.params)
        arrays = _cached_cifar10(resolve_cifar10(self.data))
        train = self.training_sample(arrays, spec)
        validation = (torch.from_numpy(arrays.test_images), torch.from_numpy(arrays.test_labels))
        with seeded(spec.init_seed):
            net = resnet18(
                base_filters=int(model.params.get("num_filters", 64)),
                activation=model.params.get("activation", "relu"),
            )
        result = fit(
            net,
            train,
            validation,
            loss=functools.partial(functional.cross_entropy, label_smoothing=self.label_smoothing),
            evaluate=classification_metrics,
            quality=self.quality,
            direction=self.direction,
            config=config,
            order_seed=spec.order_seed,
            augment=random_crop_flip,
            transform=normalize,
        )
        return result.instance_result(model.model_id, spec.instance_index, self.quality)

    def training_sample(self, arrays: Cifar10Arrays, spec: InstanceSpec) -> tuple[Tensor, Tensor]:
        """The instance's training images and labels, drawn with ``spec.sample_seed``.

        Raises
        ------
        ValueError
            The sample is larger than the population.
        """
        size = self.train_size if spec.train_size is None else spec.train_size
        population = len(arrays.train_labels)
        if not 1 <= size <= population:
            raise ValueError(
                f"train_size must be in [1, {population}] (the training images); got {size}."
            )
        rows = np.random.default_rng(spec.sample_seed).choice(population, size, replace=False)
        return torch.from_numpy(arrays.train_images[rows]), torch.from_numpy(
            arrays.train_labels[rows]
        )


def cifar10_task(training: Mapping[str, Any] | None = None, **options: Any) -> Cifar10Task:
    """The ``cifar10`` task of experiment configs: ``task_options`` as keywords, the
    config's ``training`` section as :attr:`Cifar10Task.training`.

    Examples
    --------
    >>> cifar10_task({"epochs": 5}, train_size=30_000).training
    {'epochs': 5}
    """
    return Cifar10Task(training=dict(training or {}), **options)


def classification_metrics(logits: Tensor, labels: Tensor) -> dict[str, float]:
    """Accuracy and mean cross-entropy of ``logits`` against integer ``labels``.

    Examples
    --------
    >>> logits = torch.tensor([[2.0, 0.0], [0.0, 2.0], [2.0, 0.0]])
    >>> metrics = classification_metrics(logits, torch.tensor([0, 1, 1]))
    >>> round(metrics["accuracy"], 4), round(metrics["loss"], 4)
    (0.6667, 0.7936)
    """
    return {
        "accuracy": (logits.argmax(1) == labels).double().mean().item(),
        "loss": functional.cross_entropy(logits, labels).item(),
    }


@functools.lru_cache(maxsize=2)
def _cached_cifar10(path: Path) -> Cifar10Arrays:
    """The data of ``path``, read once per process (each worker reads its own)."""
    return load_cifar10(path)
