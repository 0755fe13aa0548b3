"""The calorimeter task: LHCb-like ECAL cluster simulation and reconstruction baselines.

Simulation and baselines need only NumPy and SciPy; the model family lives in
:mod:`robustsel.tasks.ecal.models`, which imports torch when a network is built.
"""

from __future__ import annotations

from robustsel.tasks.ecal.simulate import REGIONS, Calorimeter, Dataset, Region, simulate

__all__ = ["REGIONS", "Calorimeter", "Dataset", "Region", "simulate"]
