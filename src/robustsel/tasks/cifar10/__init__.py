"""CIFAR-10 with a CIFAR ResNet-18: evaluation 1 of Boldyrev et al. (2025).

In an experiment config it is the built-in task ``cifar10`` (factory
:func:`cifar10_task`; ``task_options``: ``data``, ``train_size``,
``label_smoothing``, ``device``; the ``training`` section replaces fields of the
base model's training). The data is read from the CIFAR-10 python archive given
by path or ``ROBUSTSEL_CIFAR10``; see ``docs/cifar10.md``.
"""

from __future__ import annotations

from robustsel.tasks.cifar10.augment import normalize, random_crop_flip
from robustsel.tasks.cifar10.data import (
    CIFAR10_MEAN,
    CIFAR10_STD,
    Cifar10Arrays,
    fetch_cifar10,
    load_cifar10,
    resolve_cifar10,
)
from robustsel.tasks.cifar10.resnet import resnet18
from robustsel.tasks.cifar10.task import (
    BASE_MODEL,
    Cifar10Task,
    cifar10_task,
    classification_metrics,
)

__all__ = [
    "BASE_MODEL",
    "CIFAR10_MEAN",
    "CIFAR10_STD",
    "Cifar10Arrays",
    "Cifar10Task",
    "cifar10_task",
    "classification_metrics",
    "fetch_cifar10",
    "load_cifar10",
    "normalize",
    "random_crop_flip",
    "resnet18",
    "resolve_cifar10",
]
