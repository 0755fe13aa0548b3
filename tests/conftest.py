"""Shared fixtures: the method authors' recorded CIFAR-10 results, when present.

The data lives outside the repository (``../shared/data/authors-cifar10`` beside
the checkout, or the folder named by ``ROBUSTSEL_AUTHORS_DATA``); tests that
need it skip with the reason when it is absent, as in a user's fresh clone.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from robustsel.table import RecordedResults, read_results

REPO = Path(__file__).resolve().parents[1]


def authors_data_dir() -> Path | None:
    """The folder of the authors' recorded results, or None when absent."""
    candidates = [
        os.environ.get("ROBUSTSEL_AUTHORS_DATA"),
        REPO.parent / "shared/data/authors-cifar10",
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "resnet_540_models_val_only.csv").is_file():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def authors_dir() -> Path:
    """Folder of the authors' data; skips the test when it is not there."""
    found = authors_data_dir()
    if found is None:
        pytest.skip(
            "the authors' recorded results are absent: put them in ../shared/data/authors-cifar10 "
            "or set ROBUSTSEL_AUTHORS_DATA"
        )
    return found


@pytest.fixture(scope="session")
def authors_files(authors_dir: Path) -> list[Path]:
    """ResNet then CCT table, the concatenation order of the authors' JSON paths."""
    return [
        authors_dir / "resnet_540_models_val_only.csv",
        authors_dir / "cct_64_models_val_only.csv",
    ]


@pytest.fixture(scope="session")
def authors_30k(authors_files: list[Path]) -> RecordedResults:
    """The 604 models of ``dt_len == 30000`` with validation accuracy."""
    return read_results(authors_files, "ValAccuracy", where="dt_len == 30000")
