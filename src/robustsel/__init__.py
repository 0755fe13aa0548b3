"""robustsel: find the robust model of a deep-learning search space.

The model whose quality varies least among its instances (retrainings that
differ in seed, data order and training sample), at a fraction of the cost of an
exhaustive search (Boldyrev, Ratnikov, Shevelev, IEEE Access 2025).

Public names are imported lazily, so ``import robustsel`` stays light (no torch,
no SQLite, no matplotlib until they are used).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "SelectionEngine": "robustsel.engine",
    "StepDecision": "robustsel.engine",
    "Model": "robustsel.types",
    "Instance": "robustsel.types",
    "InstanceResult": "robustsel.types",
    "InstanceSpec": "robustsel.instances",
    "instance_spec": "robustsel.instances",
    "robustness": "robustsel.measures",
    "make_criterion": "robustsel.criteria",
    "RecordedResults": "robustsel.table",
    "read_results": "robustsel.table",
    "write_wide": "robustsel.table",
    "replay_repeats": "robustsel.replay",
    "exhaustive_search": "robustsel.replay",
    "Cost": "robustsel.cost",
    "ExperimentConfig": "robustsel.config",
    "load_config": "robustsel.config",
    "parse_config": "robustsel.config",
    "Study": "robustsel.study",
    "Store": "robustsel.store",
    "run_demo": "robustsel.demo",
}

if TYPE_CHECKING:
    from robustsel.config import ExperimentConfig, load_config, parse_config
    from robustsel.cost import Cost
    from robustsel.criteria import make_criterion
    from robustsel.demo import run_demo
    from robustsel.engine import SelectionEngine, StepDecision
    from robustsel.instances import InstanceSpec, instance_spec
    from robustsel.measures import robustness
    from robustsel.replay import exhaustive_search, replay_repeats
    from robustsel.store import Store
    from robustsel.study import Study
    from robustsel.table import RecordedResults, read_results, write_wide
    from robustsel.types import Instance, InstanceResult, Model

__all__ = [
    "Cost",
    "ExperimentConfig",
    "Instance",
    "InstanceResult",
    "InstanceSpec",
    "Model",
    "RecordedResults",
    "SelectionEngine",
    "StepDecision",
    "Store",
    "Study",
    "exhaustive_search",
    "instance_spec",
    "load_config",
    "make_criterion",
    "parse_config",
    "read_results",
    "replay_repeats",
    "robustness",
    "run_demo",
    "write_wide",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'robustsel' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
