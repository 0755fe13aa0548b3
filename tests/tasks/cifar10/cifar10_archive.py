"""A small CIFAR-10 archive in the real "python version" format, written from scratch.

The batches are pickled dicts with byte-string keys (``batch_label``, ``labels``,
``data``, ``filenames``) as the original Python 2 pickles load with
``encoding="bytes"``, and their NumPy globals carry the Python 2 module name
``numpy.core.multiarray``. Nothing is downloaded.
"""

from __future__ import annotations

import io
import pickle
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

TRAIN_PER_BATCH = 40
N_TEST = 60


@dataclass(frozen=True)
class GeneratedCifar10:
    """Where the generated data lies and the arrays it holds, as ``load_cifar10`` returns them."""

    archive: Path
    folder: Path
    train_images: NDArray[np.uint8]
    train_labels: NDArray[np.int64]
    test_images: NDArray[np.uint8]
    test_labels: NDArray[np.int64]


def batch_bytes(label: str, data: NDArray[np.uint8], labels: list[int]) -> bytes:
    """One batch pickled as the original: protocol 2, bytes keys, Python 2 NumPy names."""
    batch = {
        b"batch_label": label.encode(),
        b"labels": labels,
        b"data": data,
        b"filenames": [f"image_{i}.png".encode() for i in range(len(labels))],
    }
    return pickle.dumps(batch, protocol=2).replace(
        b"numpy._core.multiarray", b"numpy.core.multiarray"
    )


def generated_batches(
    seed: int = 0, per_batch: int = TRAIN_PER_BATCH, n_test: int = N_TEST
) -> dict[str, tuple[NDArray[np.uint8], list[int]]]:
    """Random rows of 3072 bytes and labels for the five training batches and the test batch."""
    rng = np.random.default_rng(seed)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    return {
        name: (
            rng.integers(
                0, 256, size=(n_test if name == "test_batch" else per_batch, 3072), dtype=np.uint8
            ),
            rng.integers(0, 10, size=n_test if name == "test_batch" else per_batch).tolist(),
        )
        for name in names
    }


def write_archive(path: Path, members: dict[str, bytes]) -> Path:
    """A ``.tar.gz`` holding ``cifar-10-batches-py/<name>`` for every member."""
    with tarfile.open(path, "w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return path


def batch_members(batches: dict[str, tuple[NDArray[np.uint8], list[int]]]) -> dict[str, bytes]:
    members = {
        name: batch_bytes(f"batch {name}", data, labels) for name, (data, labels) in batches.items()
    }
    meta = {b"label_names": [b"airplane", b"automobile"], b"num_cases_per_batch": TRAIN_PER_BATCH}
    members["batches.meta"] = pickle.dumps(meta, protocol=2)
    members["readme.html"] = b"<html></html>"
    return members
