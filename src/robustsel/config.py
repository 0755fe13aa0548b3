"""Experiment configuration: the YAML file of a live selection, validated by pydantic.

A minimal file::

    name: energy-demo
    task: ecal-energy
    space:
      grid:
        conv_channels: [[8, 16], [16, 16]]
        learning_rate: [0.001, 0.003]
    instances: {per_model: 10, train_size: 8000, seed: 0}
    selection: {criterion: welch, alpha: 0.05, warmup: 2}
    training: {epochs: 5}
    executor: {kind: local, workers: 2}
    store: runs/energy-demo/store.sqlite

Every key is checked once, at load: unknown keys and wrong types are rejected
with the key's path, e.g. ``selection.alpha: Input should be less than 1; got
1.5.`` (:class:`ConfigError`, a ``ValueError``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from robustsel.criteria import CRITERIA, DEFAULT_CRITERION, SelectionCriterion, make_criterion
from robustsel.measures import MeasureName


class ConfigError(ValueError):
    """An experiment configuration that cannot be used; the message names the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpaceConfig(_Section):
    """The search space: a grid of hyperparameter lists, plus explicit models.

    ``grid`` maps each hyperparameter to a list of values (a scalar is one
    value; a value that is a list itself goes inside a list); every combination
    is a model. ``invalid: skip`` drops the combinations the task rejects (over
    the parameter limit, say) instead of failing. ``models`` adds
    configurations as they are. ``sample`` keeps a random subset of that size
    (drawn with ``seed``).
    """

    grid: dict[str, Any] = Field(default_factory=dict)
    invalid: Literal["raise", "skip"] = "raise"
    models: list[dict[str, Any]] = Field(default_factory=list)
    sample: int | None = Field(default=None, gt=0)
    seed: int = Field(default=0, ge=0)


class InstancesConfig(_Section):
    """How many instances per model and how they are drawn.

    ``per_model`` bounds the selection steps; ``train_size`` is the training
    sample drawn afresh for each instance from the task's population; ``seed``
    is the study seed from which every instance's seeds derive.
    """

    per_model: int = Field(default=20, gt=0)
    train_size: int | None = Field(default=None, gt=0)
    seed: int = Field(default=0, ge=0)


class SelectionConfig(_Section):
    """The engine's settings: criterion, its parameters, warm-up, final instances.

    ``criterion`` defaults to robustsel's default rule (``race``); ``warmup`` (k
    in Algorithm 1) defaults to the criterion's: 1 for ``race``, 2 for the
    others.
    Each criterion takes the parameters it knows and ignores the others:
    ``alpha`` (tests and race), ``measure`` (all but race), ``fraction``
    (quantile), ``factor`` (halving), ``margin``, ``screen_fraction`` and
    ``min_screened`` (race).
    """

    criterion: str = DEFAULT_CRITERION
    measure: MeasureName = "mean"
    alpha: float = Field(default=0.05, gt=0, lt=1)
    fraction: float = Field(default=0.5, gt=0, lt=1)
    factor: float = Field(default=2.0, gt=1)
    margin: float = Field(default=0.005, ge=0)
    screen_fraction: float = Field(default=0.1, gt=0, le=1)
    min_screened: int = Field(default=5, gt=0)
    warmup: int | None = Field(default=None, gt=0)
    final_instances: int = Field(default=0, ge=0)

    @field_validator("criterion")
    @classmethod
    def _known_criterion(cls, value: str) -> str:
        if value not in CRITERIA:
            raise ValueError(f"must be one of {', '.join(CRITERIA)}")
        return value

    def make_criterion(self) -> SelectionCriterion:
        """The configured :class:`~robustsel.criteria.SelectionCriterion`."""
        return make_criterion(
            self.criterion,
            **self.model_dump(exclude={"criterion", "warmup", "final_instances"}),
        )

    @property
    def n_warmup_instances(self) -> int:
        """``warmup``, or the criterion's default warm-up."""
        return self.warmup or CRITERIA[self.criterion].default_warmup


class ExecutorConfig(_Section):
    """Where instances train: ``local`` worker processes, or a ``ray`` cluster."""

    kind: Literal["local", "ray"] = "local"
    workers: int = Field(default=2, ge=0)
    address: str | None = None
    num_cpus_per_instance: float = Field(default=1.0, gt=0)
    num_gpus_per_instance: float = Field(default=0.0, ge=0)
    max_retries: int = Field(default=2, ge=0)


class ExperimentConfig(_Section):
    """A live selection: task, search space, instances, selection, training, executor, store.

    ``task`` is a built-in task (``ecal-energy``, ``ecal-position``, ``cifar10``)
    or ``module:function``, a factory called as ``function(training=<the training
    section>, **task_options)`` that returns a :class:`~robustsel.tasks.base.Task`.
    """

    name: str = Field(default="study", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    task: str
    task_options: dict[str, Any] = Field(default_factory=dict)
    space: SpaceConfig
    instances: InstancesConfig = InstancesConfig()
    selection: SelectionConfig = SelectionConfig()
    training: dict[str, Any] = Field(default_factory=dict)
    executor: ExecutorConfig = ExecutorConfig()
    store: Path | None = None

    @field_validator("space")
    @classmethod
    def _non_empty_space(cls, value: SpaceConfig) -> SpaceConfig:
        if not value.grid and not value.models:
            raise ValueError("give at least one grid parameter or one model")
        return value

    def updated(self, **changes: Any) -> ExperimentConfig:
        """A validated copy with some keys changed; a section given as a dict is
        merged into the current one (``updated(executor={"workers": 4})``).

        Raises
        ------
        ConfigError
            A changed value that is not valid.
        """
        data = self.model_dump(mode="json")
        for key, value in changes.items():
            current = data.get(key)
            data[key] = {**current, **value} if isinstance(current, dict) else value
        return parse_config(data, source="options")

    @property
    def store_path(self) -> Path:
        """The store file: ``store``, or ``runs/<name>/store.sqlite``."""
        return self.store or Path("runs") / self.name / "store.sqlite"

    @property
    def fingerprint(self) -> str:
        """Hash of what changes results (not the executor, the store or the name):
        a store resumes a study only with the same fingerprint."""
        relevant = self.model_dump(mode="json", exclude={"executor", "store", "name"})
        return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()


def with_settings(config: ExperimentConfig, settings: list[str]) -> ExperimentConfig:
    """The config with ``KEY=VALUE`` settings applied (dotted keys, YAML values).

    Examples
    --------
    >>> base = parse_config({"task": "x", "space": {"grid": {"a": [1, 2]}}})
    >>> with_settings(base, ["instances.train_size=20000", "name=run-20k"]).instances.train_size
    20000

    Raises
    ------
    ConfigError
        A setting without ``=``, or a value the config rejects.
    """
    data = config.model_dump(mode="json")
    for setting in settings:
        key, separator, text = setting.partition("=")
        if not separator or not key:
            raise ConfigError(f"--set takes KEY=VALUE (e.g. instances.seed=3); got {setting!r}.")
        *parents, leaf = key.split(".")
        target = data
        for part in parents:
            node = target.get(part)
            target[part] = node = node if isinstance(node, dict) else {}
            target = node
        target[leaf] = yaml.safe_load(text)
    return parse_config(data, source="--set")


def load_config(path: str | Path) -> ExperimentConfig:
    """Read and validate an experiment YAML file.

    Raises
    ------
    ConfigError
        Missing or unreadable file, invalid YAML, or an invalid key (one line
        naming the file, the key's path, the rule and the value).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}.")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(
            f"{path}: invalid YAML{where}: {getattr(error, 'problem', error)}."
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: the file must hold a mapping of sections; got {type(data).__name__}."
        )
    return parse_config(data, source=str(path))


def parse_config(data: dict[str, Any], *, source: str = "config") -> ExperimentConfig:
    """Validate a configuration given as a dictionary (see :func:`load_config`).

    Examples
    --------
    >>> parse_config({"task": "ecal-energy", "space": {"grid": {"lr": [0.1]}}}).instances.per_model
    20
    >>> parse_config({"task": "x", "space": {"grid": {"a": 1}}, "selection": {"alpha": 1.5}})
    Traceback (most recent call last):
    ...
    robustsel.config.ConfigError: config: selection.alpha: Input should be less than 1; got 1.5.
    """
    try:
        return ExperimentConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{source}: {_first_error(error)}") from None


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "config"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "missing":
        return f"{key}: required key is missing."
    if first["type"] == "extra_forbidden":
        return f"{key}: unknown key; check its spelling and section."
    return f"{key}: {message}; got {first['input']!r}."
