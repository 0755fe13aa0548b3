"""Find a task by name: the built-in ones, or a user factory given as ``module:function``."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from robustsel.tasks.base import Task

BUILTIN_TASKS: dict[str, str] = {
    "ecal-energy": "robustsel.tasks.ecal.task:energy_task",
    "ecal-position": "robustsel.tasks.ecal.task:position_task",
    "cifar10": "robustsel.tasks.cifar10.task:cifar10_task",
}


def task_factory(name: str) -> Callable[..., Task]:
    """The factory of a built-in task or of ``module:function``.

    Raises
    ------
    ValueError
        Neither a built-in name nor an importable ``module:function``.
    """
    target = BUILTIN_TASKS.get(name, name)
    module_name, _, function = target.partition(":")
    if not function:
        raise ValueError(
            f"task must be one of {', '.join(BUILTIN_TASKS)} or 'module:function'; got {name!r}."
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(f"task {name!r}: cannot import {module_name}: {error}.") from None
    factory = getattr(module, function, None)
    if not callable(factory):
        raise ValueError(f"task {name!r}: {module_name} has no function {function!r}.")
    return factory  # type: ignore[no-any-return]


def make_task(name: str, options: Mapping[str, Any], training: Mapping[str, Any]) -> Task:
    """Build a task: ``factory(training=training, **options)``, checked against the protocol.

    Raises
    ------
    ValueError
        Unknown task, options the factory rejects, or an object that is not a task.
    """
    factory = task_factory(name)
    try:
        task = factory(training=dict(training), **options)
    except TypeError as error:
        raise ValueError(f"task {name!r}: bad task_options: {error}.") from None
    if not isinstance(task, Task):
        raise ValueError(
            f"task {name!r}: the factory returned {type(task).__name__}, which lacks name, "
            "quality, direction, check_model or train."
        )
    return task
