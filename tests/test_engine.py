from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from robustsel.criteria import Elimination, Halving, Quantile, SelectionCriterion, Welch
from robustsel.engine import SelectionEngine
from robustsel.types import InstanceResult

# Model i has quality i + small noise: the best (highest) model is the last.
MODELS = [f"m{i}" for i in range(8)]


def _quality(model_id: str, instance_index: int) -> float:
    return int(model_id[1:]) + 0.001 * ((instance_index * 7 + int(model_id[1:])) % 5)


def _run(engine: SelectionEngine, quality=_quality) -> list[list[str]]:  # type: ignore[no-untyped-def]
    asked = []
    while not engine.done:
        batch = engine.ask()
        asked.append([i.model_id for i in batch])
        engine.tell(
            InstanceResult(i.model_id, i.instance_index, quality(i.model_id, i.instance_index), 1.0)
            for i in batch
        )
    return asked


@pytest.mark.parametrize(
    ("criterion", "warmup", "n_instances", "final", "models_per_step", "selected"),
    [
        (Halving(), 1, 10, 0, [8, 4, 2], "m7"),
        (Halving(), 2, 10, 0, [8, 8, 4, 2], "m7"),
        (Halving(factor=4), 3, 10, 0, [8, 8, 8, 2], "m7"),
        (Quantile(fraction=0.75), 1, 3, 0, [8, 6, 5], "m7"),
        (Halving(), 2, 2, 0, [8, 8], "m7"),
        (Halving(), 1, 10, 5, [8, 4, 2], "m7"),
    ],
)
def test_exact_selection_paths(
    criterion: SelectionCriterion,
    warmup: int,
    n_instances: int,
    final: int,
    models_per_step: list[int],
    selected: str,
) -> None:
    engine = SelectionEngine(
        MODELS,
        criterion,
        n_instances=n_instances,
        n_warmup_instances=warmup,
        n_final_instances=final,
    )
    asked = _run(engine)
    assert engine.n_models_per_step_ == models_per_step
    assert engine.selected_model_ == selected
    trained_final = max(0, final - len(models_per_step))
    assert [len(batch) for batch in asked] == models_per_step + (
        [trained_final] if trained_final else []
    )
    assert engine.n_instances_trained_ == sum(models_per_step) + trained_final
    assert engine.cumulative_cost_ == engine.n_instances_trained_


def test_no_removal_during_the_warm_up() -> None:
    engine = SelectionEngine(MODELS, Halving(), n_instances=6, n_warmup_instances=3)
    _run(engine)
    assert [d.step for d in engine.decisions_] == [3, 4, 5]
    assert engine.n_models_per_step_[:3] == [8, 8, 8]


def test_minimize_selects_the_lowest() -> None:
    engine = SelectionEngine(MODELS, Halving(), n_instances=10, direction="minimize")
    _run(engine)
    assert engine.selected_model_ == "m0"


def test_ask_is_idempotent_and_tell_accepts_partial_batches() -> None:
    engine = SelectionEngine(MODELS[:3], Halving(), n_instances=2, n_warmup_instances=1)
    first = engine.ask()
    assert engine.ask() == first
    assert engine.tell([InstanceResult(first[0].model_id, 0, 0.5)]) is None
    assert engine.ask() == first[1:]
    decision = engine.tell(
        InstanceResult(i.model_id, 0, _quality(i.model_id, 0)) for i in first[1:]
    )
    assert decision is not None and decision.step == 1 and decision.removed == ("m0",)


def test_tell_rejects_what_was_not_asked() -> None:
    engine = SelectionEngine(MODELS[:2], Halving(), n_instances=3, n_warmup_instances=1)
    engine.ask()
    with pytest.raises(ValueError, match="instance 1 of model 'm0' was not asked for"):
        engine.tell([InstanceResult("m0", 1, 0.5)])
    engine.tell([InstanceResult("m0", 0, 0.5)])
    with pytest.raises(ValueError, match="already told"):
        engine.tell([InstanceResult("m0", 0, 0.5)])


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_diverged_instances_count_as_worst_and_never_crash(bad: float) -> None:
    def quality(model_id: str, index: int) -> float:
        return bad if model_id == "m7" and index == 1 else _quality(model_id, index)

    engine = SelectionEngine(MODELS, Welch(), n_instances=6, n_warmup_instances=2)
    _run(engine, quality)
    assert engine.decisions_[0].removed[-1] == "m7"
    assert engine.selected_model_ == "m6"


def test_failed_status_counts_as_worst() -> None:
    engine = SelectionEngine(["a", "b"], Halving(), n_instances=2, n_warmup_instances=1)
    batch = engine.ask()
    decision = engine.tell(
        [
            InstanceResult("a", 0, 0.99, status="failed", error="CUDA out of memory"),
            InstanceResult("b", 0, 0.10),
        ]
    )
    assert decision is not None and decision.kept == ("b",) and len(batch) == 2


def test_custom_instance_order() -> None:
    engine = SelectionEngine(
        MODELS[:2], Halving(), n_instances=3, n_warmup_instances=3, instance_order=[5, 2, 9]
    )
    seen = []
    while not engine.done:
        batch = engine.ask()
        seen.append(batch[0].instance_index)
        engine.tell(InstanceResult(i.model_id, i.instance_index, 0.5) for i in batch)
    assert seen == [5, 2, 9]


def test_single_model_only_gets_its_final_instances() -> None:
    engine = SelectionEngine(["only"], Welch(), n_instances=5, n_final_instances=3)
    assert engine.selected_model_ == "only"
    asked = _run(engine, lambda m, i: 0.5)
    assert asked == [["only", "only", "only"]] and engine.decisions_ == []


def test_history_has_one_row_per_model_per_decision() -> None:
    engine = SelectionEngine(MODELS, Halving(), n_instances=10, n_warmup_instances=1)
    _run(engine)
    rows = len(engine.history_["step"])
    assert rows == 8 + 4 + 2
    assert all(len(column) == rows for column in engine.history_.values())
    assert sum(engine.history_["eliminated"]) == 7


def test_same_inputs_same_path() -> None:
    def run_once() -> list[tuple[str, ...]]:
        engine = SelectionEngine(MODELS, Welch(), n_instances=8, n_warmup_instances=2)
        rng = np.random.default_rng(0)
        while not engine.done:
            engine.tell(
                InstanceResult(
                    i.model_id, i.instance_index, rng.normal(int(i.model_id[1:]) / 50, 0.1)
                )
                for i in engine.ask()
            )
        return [d.kept for d in engine.decisions_]

    assert run_once() == run_once()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model_ids": []}, "model_ids must name at least one model"),
        ({"model_ids": ["a", "a", "b"]}, "model_ids must be unique; repeated: a"),
        ({"n_instances": 0}, "n_instances must be >= 1; got 0"),
        ({"n_warmup_instances": 1}, r"n_warmup_instances must be in \[2, n_instances=5\] .*got 1"),
        ({"n_warmup_instances": 6}, r"n_warmup_instances must be in \[2, n_instances=5\]"),
        ({"n_final_instances": -1}, "n_final_instances must be >= 0; got -1"),
        ({"instance_order": [0, 1, 1, 2, 3]}, "instance_order must list at least 5 distinct"),
        ({"direction": "up"}, "direction must be 'minimize' or 'maximize'"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"model_ids": ["a", "b"], "n_instances": 5, **kwargs}
    model_ids = arguments.pop("model_ids")
    with pytest.raises(ValueError, match=message):
        SelectionEngine(model_ids, Welch(), **arguments)  # type: ignore[arg-type]


def test_engine_imports_no_heavy_or_io_module() -> None:
    code = (
        "import sys, robustsel.engine, robustsel.replay; "
        "print(sorted(m for m in ('torch', 'ray', 'sqlite3', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


class _StopAtThree(SelectionCriterion):
    """Keeps every model; at step 3 selects the second alive model (a stopping rule)."""

    name = "stop-at-three"

    def eliminate(self, qualities, *, direction, step):  # type: ignore[no-untyped-def]
        values, best = self.rank_values(qualities, direction=direction)
        keep = np.ones(len(qualities), dtype=bool)
        keep[0] = False
        selected = 1 if step == 3 else None
        return Elimination(keep=keep, robustness=values, best=best, selected=selected)


@pytest.mark.parametrize("final", [0, 6])
def test_a_criterion_can_stop_the_selection_and_choose(final: int) -> None:
    engine = SelectionEngine(
        MODELS, _StopAtThree(), n_instances=10, n_warmup_instances=1, n_final_instances=final
    )
    asked = _run(engine)
    assert engine.n_models_per_step_ == [8, 7, 6]
    assert engine.selected_model_ == "m3"
    assert engine.alive_models_ == MODELS[3:]
    assert [d.selected_model_id for d in engine.decisions_] == [None, None, "m3"]
    assert asked[3:] == ([["m3"] * (final - 3)] if final else [])
    assert engine.n_instances_trained_ == 21 + max(0, final - 3)
