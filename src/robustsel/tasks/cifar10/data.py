"""Read and verify the CIFAR-10 "python version" archive; fetch it on request.

The data set is the one of Krizhevsky (2009), as distributed at
https://www.cs.toronto.edu/~kriz/cifar.html: ``cifar-10-python.tar.gz`` holds
the folder ``cifar-10-batches-py/`` with five training batches
(``data_batch_1`` to ``data_batch_5``, 10,000 images each) and ``test_batch``
(10,000 images). Each batch is a pickled dict whose ``data`` is a ``uint8``
array of shape ``(N, 3072)`` (the red, green then blue planes of a 32 x 32
image, row by row) and whose ``labels`` are N integers in 0..9.

robustsel reads either the archive or the extracted folder, from the path given
in the experiment config (task option ``data``), by ``--data``, or by the
environment variable ``ROBUSTSEL_CIFAR10``. It never downloads by itself:
:func:`fetch_cifar10` (``robustsel fetch cifar10 --to DIR``) is only called
explicitly.
"""

from __future__ import annotations

import codecs
import hashlib
import importlib
import io
import os
import pickle
import tarfile
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import numpy as np
from numpy.typing import NDArray

ENV_VAR = "ROBUSTSEL_CIFAR10"
ARCHIVE = "cifar-10-python.tar.gz"
FOLDER = "cifar-10-batches-py"
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
N_CLASSES = 10
IMAGE_SHAPE = (3, 32, 32)

# Per-channel mean and standard deviation of the 50,000 training images, in [0, 1].
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)


class Cifar10Arrays(NamedTuple):
    """The CIFAR-10 images (``uint8``, ``(N, 3, 32, 32)``) and labels (``int64``).

    The training images are the population from which each instance draws its
    training sample; the test images are the fixed validation set.
    """

    train_images: NDArray[np.uint8]
    train_labels: NDArray[np.int64]
    test_images: NDArray[np.uint8]
    test_labels: NDArray[np.int64]


def resolve_cifar10(path: str | os.PathLike[str] | None = None) -> Path:
    """Where the CIFAR-10 data is: the archive or the extracted batch folder.

    Parameters
    ----------
    path : str or path-like, optional
        The archive, the ``cifar-10-batches-py`` folder, or a folder holding
        either; the environment variable ``ROBUSTSEL_CIFAR10`` when None.

    Returns
    -------
    Path
        The archive file or the batch folder.

    Raises
    ------
    FileNotFoundError
        No path given and none in the environment, or nothing usable there; the
        one-line message says which file is expected and where to put it.
    """
    given = os.fspath(path) if path is not None else os.environ.get(ENV_VAR, "")
    if not given:
        raise FileNotFoundError(
            f"CIFAR-10 data not configured: download {ARCHIVE} ({CIFAR10_URL}, or run "
            f"`robustsel fetch cifar10 --to DIR`) and give its path with --data, the task "
            f"option data, or {ENV_VAR}."
        )
    root = Path(given).expanduser()
    for candidate in (root, root / FOLDER, root / ARCHIVE):
        if candidate.is_file() or (candidate / TRAIN_BATCHES[0]).is_file():
            return candidate
    raise FileNotFoundError(
        f"no CIFAR-10 data at {root}: expected {ARCHIVE} or its extracted {FOLDER}/ folder "
        f"there (download {CIFAR10_URL} or run `robustsel fetch cifar10 --to {root}`)."
    )


def load_cifar10(path: str | os.PathLike[str] | None = None) -> Cifar10Arrays:
    """Read and verify the five training batches and the test batch.

    Parameters
    ----------
    path : str or path-like, optional
        See :func:`resolve_cifar10`.

    Returns
    -------
    Cifar10Arrays
        Training images and labels (the five batches in order), then the test
        images and labels.

    Raises
    ------
    FileNotFoundError
        The data or one of its batches is missing.
    ValueError
        A batch that is not a CIFAR-10 batch: wrong array shape or type, labels
        outside 0..9, a label count that differs from the image count, or
        training batches of different sizes.

    Notes
    -----
    The batches are pickles; they are read with an unpickler that accepts NumPy
    arrays and plain containers only, so a tampered file cannot run code.
    """
    source = resolve_cifar10(path)
    raw = _read_batches(source, (*TRAIN_BATCHES, TEST_BATCH))
    train = [_decode(name, raw[name]) for name in TRAIN_BATCHES]
    sizes = {len(labels) for _, labels in train}
    if len(sizes) > 1:
        raise ValueError(f"the training batches of {source} differ in size: {sorted(sizes)}.")
    test_images, test_labels = _decode(TEST_BATCH, raw[TEST_BATCH])
    return Cifar10Arrays(
        np.concatenate([images for images, _ in train]),
        np.concatenate([labels for _, labels in train]),
        test_images,
        test_labels,
    )


def fetch_cifar10(
    to: str | os.PathLike[str], *, url: str | None = None, md5: str | None = None
) -> Path:
    """Download ``cifar-10-python.tar.gz`` into the folder ``to`` and check its MD5.

    Only called explicitly (``robustsel fetch cifar10 --to DIR``); nothing in
    robustsel downloads by default. An archive already there with the right
    checksum is kept.

    Parameters
    ----------
    to : str or path-like
        Folder to write the archive into (created when missing).
    url : str, optional
        Where to download from; :data:`CIFAR10_URL` when None.
    md5 : str, optional
        Expected MD5 of the archive; :data:`CIFAR10_MD5` when None.

    Returns
    -------
    Path
        The archive.

    Raises
    ------
    ValueError
        The downloaded file's checksum differs (the file is removed).
    OSError
        The download failed.
    """
    url = CIFAR10_URL if url is None else url
    expected = CIFAR10_MD5 if md5 is None else md5
    target = Path(to).expanduser() / ARCHIVE
    if target.is_file() and _file_md5(target) == expected:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f"{ARCHIVE}.part")
    with urllib.request.urlopen(url, timeout=60) as response, part.open("wb") as out:
        digest = _md5(response, out.write)
    if digest != expected:
        part.unlink()
        raise ValueError(f"{url} gave a file with MD5 {digest}, expected {expected}; try again.")
    part.replace(target)
    return target


def _file_md5(path: Path) -> str:
    with path.open("rb") as stream:
        return _md5(stream)


def _md5(stream: BinaryIO, sink: Callable[[bytes], object] | None = None) -> str:
    """MD5 of a binary stream read to its end, each chunk also given to ``sink``."""
    digest = hashlib.md5(usedforsecurity=False)
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
        if sink is not None:
            sink(chunk)
    return digest.hexdigest()


def _read_batches(source: Path, names: tuple[str, ...]) -> dict[str, Mapping[Any, Any]]:
    """The unpickled batches ``names`` of an archive or a batch folder."""
    if source.is_dir():
        found = {name: source / name for name in names if (source / name).is_file()}
        _require(source, names, found)
        return {name: _unpickle(name, file.read_bytes(), source) for name, file in found.items()}
    try:
        with tarfile.open(source, "r:*") as archive:
            members = {Path(m.name).name: m for m in archive.getmembers() if m.isfile()}
            _require(source, names, members)
            return {
                name: _unpickle(name, archive.extractfile(members[name]).read(), source)  # type: ignore[union-attr]
                for name in names
            }
    except tarfile.TarError as error:
        raise ValueError(f"{source} is not a readable {ARCHIVE} archive: {error}.") from None


def _require(source: Path, names: tuple[str, ...], found: Mapping[str, Any]) -> None:
    missing = [name for name in names if name not in found]
    if missing:
        raise FileNotFoundError(
            f"{source} lacks {', '.join(missing)}: expected the CIFAR-10 python version "
            f"({ARCHIVE} or its {FOLDER}/ folder)."
        )


def _unpickle(name: str, content: bytes, source: Path) -> Mapping[Any, Any]:
    try:
        batch = _BatchUnpickler(io.BytesIO(content), encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, TypeError, ValueError) as error:
        raise ValueError(f"{name} in {source} is not a CIFAR-10 batch: {error}.") from None
    if not isinstance(batch, Mapping):
        raise ValueError(f"{name} in {source} is not a CIFAR-10 batch: not a dict.")
    return batch


def _decode(name: str, batch: Mapping[Any, Any]) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """Images ``(N, 3, 32, 32)`` and labels of one batch, after checking them."""
    data, labels = _field(batch, "data"), _field(batch, "labels")
    size = int(np.prod(IMAGE_SHAPE))
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.shape[1:] != (size,):
        got = f"{getattr(data, 'dtype', type(data).__name__)} {getattr(data, 'shape', '')}"
        raise ValueError(f"{name}: data must be uint8 of shape (N, {size}); got {got.strip()}.")
    label_array = np.asarray(labels, dtype=np.int64)
    if label_array.shape != (len(data),):
        raise ValueError(f"{name}: {len(data)} images but {label_array.size} labels.")
    if label_array.size and not 0 <= label_array.min() <= label_array.max() < N_CLASSES:
        low, high = label_array.min(), label_array.max()
        raise ValueError(f"{name}: labels must be in 0..{N_CLASSES - 1}; got {low}..{high}.")
    return data.reshape(-1, *IMAGE_SHAPE), label_array


def _field(batch: Mapping[Any, Any], key: str) -> Any:
    for candidate in (key.encode(), key):
        if candidate in batch:
            return batch[candidate]
    raise ValueError(f"a CIFAR-10 batch needs the key {key!r}; got {sorted(map(str, batch))}.")


class _BatchUnpickler(pickle.Unpickler):
    """Unpickles NumPy arrays and plain containers, nothing that could run code."""

    def find_class(self, module: str, name: str) -> Any:
        allowed = _allowed_globals()
        if (module, name) not in allowed:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a CIFAR-10 batch")
        return allowed[(module, name)]


def _allowed_globals() -> dict[tuple[str, str], Any]:
    """What NumPy arrays pickled by Python 2 (the original batches) or 3 refer to."""
    try:
        multiarray = importlib.import_module("numpy._core.multiarray")
    except ImportError:
        multiarray = importlib.import_module("numpy.core.multiarray")
    allowed: dict[tuple[str, str], Any] = {
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("_codecs", "encode"): codecs.encode,
    }
    for module in ("numpy.core.multiarray", "numpy._core.multiarray"):
        allowed[(module, "_reconstruct")] = multiarray._reconstruct
        allowed[(module, "scalar")] = multiarray.scalar
    return allowed
