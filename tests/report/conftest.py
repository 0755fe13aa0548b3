"""Selections to report: a replay of generated data, a tiny live run, the authors' data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from robustsel.criteria import Halving, Welch
from robustsel.engine import SelectionEngine
from robustsel.replay import replay
from robustsel.report import ReportData
from robustsel.table import RecordedResults
from robustsel.testing import synthetic_results
from robustsel.types import InstanceResult

AUTHORS_ORDER = [1, 18, 16, 2, 9, 6, 12, 4, 19, 17, 14, 3, 10, 20, 5, 13, 8, 11, 15, 7]
MEANS = [0.90, 0.899, 0.898, 0.89, 0.88, 0.87, 0.86, 0.85, 0.84, 0.80, 0.75, 0.70]


@pytest.fixture(scope="session")
def synthetic_table() -> RecordedResults:
    """Twelve models, ten instances, three close at the top."""
    return synthetic_results(MEANS, 0.01, 10, seed=3, seconds=np.linspace(50.0, 100.0, 12))


@pytest.fixture(scope="session")
def synthetic_data(synthetic_table: RecordedResults) -> ReportData:
    """A Welch replay of the generated table, instances in a shuffled order."""
    order = [3, 7, 1, 10, 5, 2, 9, 4, 6, 8]
    result = replay(synthetic_table, Welch(alpha=0.05), instance_order=order)
    return ReportData.from_replay(
        result, synthetic_table, base_model_id="m4", title="<b>gen</b> & co"
    )


@pytest.fixture(scope="session")
def live_data() -> ReportData:
    """A tiny live run: halving over eight models whose instances a fake task draws,
    the selected model then trained to twelve instances."""
    rng = np.random.default_rng(0)
    means = dict(zip([f"cfg{i}" for i in range(8)], np.linspace(0.5, 0.2, 8), strict=True))
    engine = SelectionEngine(
        list(means),
        Halving(),
        n_instances=4,
        n_warmup_instances=2,
        direction="minimize",
        n_final_instances=12,
    )
    while not engine.done:
        engine.tell(
            InstanceResult(i.model_id, i.instance_index, rng.normal(means[i.model_id], 0.02), 3.0)
            for i in engine.ask()
        )
    models = pd.DataFrame(
        {"lr": np.geomspace(1e-4, 1e-2, 8), "width": [16, 32] * 4},
        index=pd.Index(list(means), name="model"),
    )
    return ReportData.from_engine(engine, models, metric="val_loss")


@pytest.fixture(scope="session")
def authors_data(authors_30k: RecordedResults) -> ReportData:
    """The authors' Welch selection at 30k examples (their instance order)."""
    result = replay(authors_30k, Welch(alpha=0.05), instance_order=AUTHORS_ORDER)
    return ReportData.from_replay(result, authors_30k, base_model_id="model_e169bb1c")
