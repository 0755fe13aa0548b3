"""The built-in example: a robust selection of calorimeter energy regressors.

:func:`run_demo` runs the packaged experiment ``robustsel/examples/demo_ecal.yaml``
(24 small CNNs on simulated LHCb-like ECAL clusters with pile-up, a few
minutes on two cores), writes its report, and returns what a user quotes: the
selected model, its quality with uncertainty, and the cost against an exhaustive
search. Running it again resumes from its store.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from robustsel.config import ExperimentConfig, load_config
from robustsel.study import Progress, Study, StudyOutcome, study_report_data

DEMO_CONFIG = "demo_ecal.yaml"


@dataclass(frozen=True)
class DemoOutcome:
    """The demo's result: the study outcome, the report page and the uncertainty.

    Attributes
    ----------
    outcome : StudyOutcome
        The selection.
    report : Path
        The report's ``index.html``.
    uncertainty : robustsel.report.data.Uncertainty
        The selected model's quality over its instances (mean, std, quantiles,
        bootstrap interval of the mean).
    baseline : float
        RMSE(E)/E of the calibrated deposit sum on the same validation set.
    """

    outcome: StudyOutcome
    report: Path
    uncertainty: Any
    baseline: float


def demo_config(out: str | Path = "runs/demo", *, workers: int | None = None) -> ExperimentConfig:
    """The packaged demo experiment, its store under ``out``."""
    with resources.as_file(resources.files("robustsel.examples") / DEMO_CONFIG) as path:
        config = load_config(path)
    changes: dict[str, Any] = {"store": str(Path(out) / "store.sqlite")}
    if workers is not None:
        changes["executor"] = {"workers": workers}
    return config.updated(**changes)


def run_demo(
    out: str | Path = "runs/demo",
    *,
    workers: int | None = None,
    fresh: bool = False,
    on_progress: Callable[[Progress], None] | None = None,
) -> DemoOutcome:
    """Run the built-in calorimeter selection and write its report under ``out``.

    Parameters
    ----------
    out : path, default="runs/demo"
        Folder of the store (``store.sqlite``) and the report (``report/``).
    workers : int, optional
        Local worker processes (default: the config's, 2).
    fresh : bool, default=False
        Delete a previous demo store first instead of resuming it.
    on_progress : callable, optional
        Receives :class:`~robustsel.study.Progress` updates.
    """
    out = Path(out)
    if fresh and out.exists():
        shutil.rmtree(out)
    config = demo_config(out, workers=workers)
    study = Study(config)
    outcome = study.run(on_progress=on_progress)
    data, table = study_report_data(config.store_path, study=config.name)
    from robustsel.report import write_report

    report = write_report(data, out / "report", table=table)
    return DemoOutcome(outcome, report, data.uncertainty(), _baseline(study))


def _baseline(study: Study) -> float:
    """RMSE(E)/E of the classical reconstruction (calibrated deposit sum), fitted on a
    training sample and measured on the task's validation set."""
    from robustsel.tasks.ecal.baselines import Baseline, reconstruction_metrics
    from robustsel.tasks.ecal.simulate import simulate
    from robustsel.tasks.ecal.task import VALIDATION_SEED, EcalTask

    task = study.task
    assert isinstance(task, EcalTask)
    train = simulate(
        study.config.instances.train_size or task.train_size, seed=1, **task.simulation
    )
    validation = simulate(task.n_validation, seed=VALIDATION_SEED, **task.simulation)
    predictions = Baseline().fit(train).predict(validation)
    return reconstruction_metrics(validation.targets, predictions).rmse_e_over_e
