"""Fixtures of the CIFAR-10 tests: a generated archive in the real format (see cifar10_archive)."""

from __future__ import annotations

import numpy as np
import pytest
from cifar10_archive import GeneratedCifar10, batch_members, generated_batches, write_archive


@pytest.fixture(scope="session")
def cifar10(tmp_path_factory: pytest.TempPathFactory) -> GeneratedCifar10:
    """The generated archive, its extracted folder (in another directory) and their arrays."""
    root = tmp_path_factory.mktemp("cifar10")
    batches = generated_batches()
    members = batch_members(batches)
    archive = write_archive(root / "cifar-10-python.tar.gz", members)
    folder = root / "extracted" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for name, content in members.items():
        (folder / name).write_bytes(content)
    train = [batches[f"data_batch_{i}"] for i in range(1, 6)]
    return GeneratedCifar10(
        archive=archive,
        folder=folder,
        train_images=np.concatenate([data for data, _ in train]).reshape(-1, 3, 32, 32),
        train_labels=np.concatenate([labels for _, labels in train]).astype(np.int64),
        test_images=batches["test_batch"][0].reshape(-1, 3, 32, 32),
        test_labels=np.asarray(batches["test_batch"][1], dtype=np.int64),
    )
