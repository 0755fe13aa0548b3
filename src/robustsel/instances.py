"""Seeds of an instance: what makes instance i of a model differ from instance j.

Instance i of *every* model derives the same seeds from ``(study_seed, i)``: the
same training sample drawn from the population, the same data order and the same
initialization seed. Comparisons between models are therefore paired (common
random numbers), which the ``wilcoxon`` criterion exploits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class InstanceSpec:
    """Everything random about one instance, fixed by the study seed and its index.

    Attributes
    ----------
    instance_index : int
        The instance i (0-based).
    sample_seed : int
        Draws the instance's training sample from the task's population
        (external randomness).
    order_seed : int
        Shuffles the training data each epoch and drives augmentation.
    init_seed : int
        Initializes the network's weights (internal randomness).
    train_size : int or None
        Size of the training sample; None for the task's default.
    """

    instance_index: int
    sample_seed: int
    order_seed: int
    init_seed: int
    train_size: int | None = None


def instance_spec(
    study_seed: int, instance_index: int, train_size: int | None = None
) -> InstanceSpec:
    """Derive the seeds of instance ``instance_index`` of a study.

    Uses :class:`numpy.random.SeedSequence` on ``(study_seed, instance_index)`` so
    that nearby indices give independent streams.

    Examples
    --------
    >>> a, b = instance_spec(7, 0), instance_spec(7, 0)
    >>> a == b, a.sample_seed != instance_spec(7, 1).sample_seed
    (True, True)
    """
    if study_seed < 0 or instance_index < 0:
        raise ValueError(
            f"study_seed and instance_index must be >= 0; got {study_seed}, {instance_index}."
        )
    sample, order, init = np.random.SeedSequence([study_seed, instance_index]).generate_state(3)
    return InstanceSpec(instance_index, int(sample), int(order), int(init), train_size)
