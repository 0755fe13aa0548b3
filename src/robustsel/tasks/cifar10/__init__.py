"""CIFAR-10 with a CIFAR ResNet-18: evaluation 1 of Boldyrev et al. (2025).

The task factory for an experiment config is ``robustsel.tasks.cifar10:Cifar10Task``
(its options: ``data``, ``train_size``, ``epochs``, ``label_smoothing``,
``device``, ``mixed_precision``, ``channels_last``). The data is read from the
CIFAR-10 python archive given by path or ``ROBUSTSEL_CIFAR10``; see
``docs/cifar10.md``.
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
from robustsel.tasks.cifar10.task import Cifar10Task, classification_metrics

__all__ = [
    "CIFAR10_MEAN",
    "CIFAR10_STD",
    "Cifar10Arrays",
    "Cifar10Task",
    "classification_metrics",
    "fetch_cifar10",
    "load_cifar10",
    "normalize",
    "random_crop_flip",
    "resnet18",
    "resolve_cifar10",
]
