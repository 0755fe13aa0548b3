"""The calorimeter tasks: train a small CNN to reconstruct a photon's energy or position.

Each instance draws a fresh training sample from the simulated population with
its sample seed (external randomness), initializes the network with its init
seed and shuffles with its order seed (internal randomness). The validation set
is simulated once per worker process from a seed outside the range of instance
seeds, so it never overlaps a training sample.

The networks see the *energy shares* of the cells (the window divided by its
deposit sum): the energy model predicts a relative correction ``c`` of the
deposit sum, ``E = sum * (1 + c)``, and the position model predicts the impact
point in units of the cell size. Both are trained on the metric they are judged
by: RMSE(E)/E for energy, RMSE for position (Boldyrev et al., 2025).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from robustsel.instances import InstanceSpec
from robustsel.tasks.ecal.models import ARCHITECTURE_KEYS, check_architecture
from robustsel.tasks.ecal.simulate import Dataset, simulate
from robustsel.types import Direction, InstanceResult, Model

Target = Literal["energy", "position"]
VALIDATION_SEED = 2**32 + 2025
"""Above every instance seed (32-bit), so the validation set is never a training sample."""
QUALITY: dict[str, str] = {"energy": "rmse_e_over_e", "position": "rmse_x"}
SIMULATION_KEYS = ("dataset", "region", "window", "energy_range", "spectrum", "background")


@dataclass(frozen=True)
class EcalTask:
    """Energy or position reconstruction of simulated LHCb-like ECAL clusters.

    Parameters
    ----------
    target : {"energy", "position"}
        What the networks predict. Quality: RMSE(E)/E (energy) or RMSE(x)
        (position, cm); both minimized.
    simulation : Mapping
        Arguments of :func:`robustsel.tasks.ecal.simulate.simulate` (``dataset``,
        ``region``, ``window``, ``energy_range``, ``spectrum``, ``background``).
    train_size : int
        Training sample per instance when the instance spec gives none.
    n_validation : int
        Size of the fixed validation set.
    training : Mapping
        Fields of :class:`robustsel.training.TrainingConfig`; a model's own
        ``learning_rate``, ``batch_size``, ``weight_decay``, ``optimizer`` ...
        override them.

    Examples
    --------
    >>> from robustsel.instances import instance_spec
    >>> from robustsel.tasks.ecal.models import PAPER_MODELS
    >>> task = EcalTask("energy", train_size=512, n_validation=256, training={"epochs": 1})
    >>> result = task.train(Model("m", PAPER_MODELS["energy-1"]), instance_spec(0, 0))
    >>> result.status, 0 < result.quality < 1
    ('ok', True)
    """

    target: Target
    simulation: Mapping[str, Any] = field(default_factory=dict)
    train_size: int = 32_000
    n_validation: int = 10_000
    training: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.target not in QUALITY:
            raise ValueError(f"target must be 'energy' or 'position'; got {self.target!r}.")
        unknown = set(self.simulation) - set(SIMULATION_KEYS)
        if unknown:
            raise ValueError(
                f"simulation has unknown keys {sorted(unknown)}; use {', '.join(SIMULATION_KEYS)}."
            )
        for name in ("train_size", "n_validation"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1; got {getattr(self, name)}.")
        self.training_config()
        simulate(1, seed=0, **self.simulation)  # validates the simulation options

    @property
    def name(self) -> str:
        """``ecal-energy`` or ``ecal-position``."""
        return f"ecal-{self.target}"

    @property
    def quality(self) -> str:
        """``rmse_e_over_e`` or ``rmse_x``."""
        return QUALITY[self.target]

    @property
    def direction(self) -> Direction:
        """Both qualities are errors: minimized."""
        return "minimize"

    def training_config(self) -> Any:
        """The task's :class:`~robustsel.training.TrainingConfig` (before a model's overrides)."""
        from robustsel.training import TrainingConfig

        return TrainingConfig(**self.training)

    def check_model(self, params: Mapping[str, Any]) -> None:
        """Raise ``ValueError`` for a configuration outside the model family or the
        trainer's ranges, or one built for the other target."""
        target = params.get("target", self.target)
        if target != self.target:
            raise ValueError(f"model target {target!r} does not match task {self.name!r}.")
        check_architecture(self._architecture(params))
        self.training_config().with_overrides(params)

    def train(self, model: Model, spec: InstanceSpec) -> InstanceResult:
        """Train one instance of ``model`` with the seeds of ``spec``."""
        from robustsel.tasks.ecal.models import build_model
        from robustsel.training import fit

        config = self.training_config().with_overrides(model.params)
        sample = simulate(
            spec.train_size or self.train_size, seed=spec.sample_seed, **self.simulation
        )
        validation = _validation_set(self.n_validation, _frozen(self.simulation))
        net = build_model(self._architecture(model.params), seed=spec.init_seed)
        loss, evaluate = _objectives(self.target)
        result = fit(
            net,
            _tensors(sample, self.target),
            _tensors(validation, self.target),
            loss=loss,
            evaluate=evaluate,
            quality=self.quality,
            direction=self.direction,
            config=config,
            order_seed=spec.order_seed,
            transform=_shares,
        )
        return result.instance_result(
            model.model_id, spec.instance_index, self.quality, epochs=float(result.epochs)
        )

    def _architecture(self, params: Mapping[str, Any]) -> dict[str, Any]:
        window = self.simulation.get("window", 15)
        arch = {k: v for k, v in params.items() if k in ARCHITECTURE_KEYS}
        return {**arch, "target": self.target, "window": window}


def energy_task(training: Mapping[str, Any] | None = None, **options: Any) -> EcalTask:
    """The ``ecal-energy`` task of experiment configs (``task_options`` as keywords)."""
    return EcalTask("energy", training=dict(training or {}), **_split(options))


def position_task(training: Mapping[str, Any] | None = None, **options: Any) -> EcalTask:
    """The ``ecal-position`` task of experiment configs (``task_options`` as keywords)."""
    return EcalTask("position", training=dict(training or {}), **_split(options))


def _split(options: Mapping[str, Any]) -> dict[str, Any]:
    """Task options: simulation keys go to ``simulation``, the rest stay."""
    simulation = {k: v for k, v in options.items() if k in SIMULATION_KEYS}
    rest = {k: v for k, v in options.items() if k not in SIMULATION_KEYS}
    if "energy_range" in simulation:
        simulation["energy_range"] = tuple(simulation["energy_range"])
    return {"simulation": simulation, **rest}


def _frozen(simulation: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in simulation.items()))


@functools.lru_cache(maxsize=4)
def _validation_set(n: int, simulation: tuple[tuple[str, Any], ...]) -> Dataset:
    """The fixed validation set, simulated once per process."""
    return simulate(n, seed=VALIDATION_SEED, **dict(simulation))


def _tensors(data: Dataset, target: Target) -> tuple[Any, Any]:
    """Inputs and the targets the objectives need, as float32 tensors.

    Energy targets: ``(E, deposit sum)``; position targets: ``(x, y, cell size)``.
    """
    import torch

    inputs = torch.from_numpy(np.ascontiguousarray(data.inputs))
    if target == "energy":
        total = data.inputs.sum(axis=(1, 2, 3))
        columns = np.column_stack([data.energy, total])
    else:
        columns = np.column_stack([data.x, data.y, data.cell_size])
    return inputs, torch.from_numpy(columns.astype(np.float32))


def _shares(inputs: Any) -> Any:
    """Each window divided by its deposit sum (clamped away from zero)."""
    return inputs / inputs.sum(dim=(1, 2, 3), keepdim=True).clamp_min(1e-3)


def _objectives(target: Target) -> tuple[Any, Any]:
    return (
        (_energy_loss, _energy_metrics)
        if target == "energy"
        else (_position_loss, _position_metrics)
    )


def _energy_prediction(outputs: Any, targets: Any) -> Any:
    return targets[:, 1] * (1 + outputs[:, 0])


def _energy_loss(outputs: Any, targets: Any) -> Any:
    relative = (_energy_prediction(outputs, targets) - targets[:, 0]) / targets[:, 0]
    return (relative**2).mean()


def _energy_metrics(outputs: Any, targets: Any) -> dict[str, float]:
    predicted = _energy_prediction(outputs, targets)
    error = predicted - targets[:, 0]
    return {
        "rmse_e_over_e": float(((error / targets[:, 0]) ** 2).mean().sqrt()),
        "rmse_e": float((error**2).mean().sqrt()),
    }


def _position_loss(outputs: Any, targets: Any) -> Any:
    truth = targets[:, :2] / targets[:, 2:3]
    return ((outputs - truth) ** 2).mean()


def _position_metrics(outputs: Any, targets: Any) -> dict[str, float]:
    error = outputs * targets[:, 2:3] - targets[:, :2]
    rmse = (error**2).mean(dim=0).sqrt()
    return {"rmse_x": float(rmse[0]), "rmse_y": float(rmse[1])}
