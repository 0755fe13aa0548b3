"""End to end: a tiny CIFAR-10 selection on the generated archive lands in the store."""

from __future__ import annotations

from pathlib import Path

import yaml
from cifar10_archive import GeneratedCifar10

from robustsel.cli import main
from robustsel.config import load_config
from robustsel.store import Store
from robustsel.study import Study

REPO = Path(__file__).resolve().parents[3]


def test_two_width_reduced_models_two_instances(cifar10: GeneratedCifar10, tmp_path: Path) -> None:
    config = tmp_path / "cifar.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "name": "tiny",
                "task": "cifar10",
                "task_options": {"device": "cpu"},
                "space": {"grid": {"num_filters": [4], "peak_lr": [0.05, 0.1]}},
                "instances": {"per_model": 2, "train_size": 64, "seed": 0},
                "selection": {"criterion": "welch", "warmup": 2},
                "training": {"epochs": 1, "batch_size": 32, "eval_batch_size": 64},
                "executor": {"workers": 0},
            }
        )
    )
    store = tmp_path / "store.sqlite"
    code = main(["run", str(config), "--store", str(store), "--data", str(cifar10.archive)])
    assert code == 0
    with Store(store, readonly=True) as db:
        rows = db.instances("tiny")
        assert len(rows) == 4 and all(r.status == "ok" for r in rows)
        assert all(0.0 <= r.quality <= 1.0 and r.cost > 0 for r in rows)
        assert db.study("tiny").selected_model in {m.model_id for m in db.models("tiny")}  # type: ignore[union-attr]


def test_the_shipped_experiments_are_valid_and_have_the_authors_sizes() -> None:
    sizes = {"cifar10_resnet18_72.yaml": 72, "cifar10_resnet18_540.yaml": 540}
    for name, n_models in sizes.items():
        config = load_config(REPO / "examples" / name)
        assert len(Study(config).models) == n_models
        assert config.instances.per_model == 20
        assert (config.selection.criterion, config.selection.warmup) == ("welch", 2)
