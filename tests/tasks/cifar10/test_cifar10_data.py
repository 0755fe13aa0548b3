"""Reading, verifying and fetching the CIFAR-10 python archive (generated, never downloaded)."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
from cifar10_archive import (
    GeneratedCifar10,
    batch_bytes,
    batch_members,
    generated_batches,
    write_archive,
)

from robustsel.cli import main
from robustsel.tasks.cifar10 import data
from robustsel.tasks.cifar10.data import (
    ARCHIVE,
    CIFAR10_MEAN,
    CIFAR10_STD,
    ENV_VAR,
    fetch_cifar10,
    load_cifar10,
    resolve_cifar10,
)


def assert_read_back(arrays: data.Cifar10Arrays, expected: GeneratedCifar10) -> None:
    assert arrays.train_images.dtype == arrays.test_images.dtype == np.uint8
    assert arrays.train_labels.dtype == arrays.test_labels.dtype == np.int64
    assert arrays.train_images.shape == (200, 3, 32, 32)
    np.testing.assert_array_equal(arrays.train_images, expected.train_images)
    np.testing.assert_array_equal(arrays.train_labels, expected.train_labels)
    np.testing.assert_array_equal(arrays.test_images, expected.test_images)
    np.testing.assert_array_equal(arrays.test_labels, expected.test_labels)


def test_the_archive_is_read_back_exactly(cifar10: GeneratedCifar10) -> None:
    assert_read_back(load_cifar10(cifar10.archive), cifar10)


def test_the_extracted_folder_is_read_back_exactly(cifar10: GeneratedCifar10) -> None:
    assert_read_back(load_cifar10(cifar10.folder), cifar10)


def test_planes_are_red_green_blue_row_by_row(cifar10: GeneratedCifar10) -> None:
    arrays = load_cifar10(cifar10.archive)
    row = generated_batches()["data_batch_1"][0][0]
    assert arrays.train_images[0, 1, 0, 0] == row[1024]
    assert arrays.train_images[0, 2, 31, 31] == row[3071]
    assert arrays.train_images[0, 0, 1, 0] == row[32]


def test_paths_resolve_from_a_parent_folder_and_the_environment(
    cifar10: GeneratedCifar10, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert resolve_cifar10(cifar10.archive.parent) == cifar10.archive
    assert resolve_cifar10(cifar10.folder.parent) == cifar10.folder
    monkeypatch.setenv(ENV_VAR, str(cifar10.folder))
    assert resolve_cifar10() == cifar10.folder
    assert resolve_cifar10(cifar10.archive) == cifar10.archive  # the argument wins
    assert_read_back(load_cifar10(), cifar10)


def test_missing_data_says_what_to_put_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    with pytest.raises(FileNotFoundError, match=f"not configured: download {ARCHIVE}") as error:
        load_cifar10()
    assert ENV_VAR in str(error.value) and "\n" not in str(error.value)
    with pytest.raises(FileNotFoundError, match=r"expected cifar-10-python\.tar\.gz") as error:
        load_cifar10(tmp_path / "nowhere")
    assert str(tmp_path / "nowhere") in str(error.value) and "\n" not in str(error.value)


def test_a_missing_batch_is_named(tmp_path: Path) -> None:
    members = batch_members(generated_batches())
    del members["data_batch_3"]
    archive = write_archive(tmp_path / ARCHIVE, members)
    with pytest.raises(FileNotFoundError, match="lacks data_batch_3: expected the CIFAR-10"):
        load_cifar10(archive)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("label", r"data_batch_2: labels must be in 0\.\.9; got 0\.\.10\."),
        (
            "shape",
            r"data_batch_2: data must be uint8 of shape \(N, 3072\); got uint8 \(40, 3071\)\.",
        ),
        (
            "dtype",
            r"data_batch_2: data must be uint8 of shape \(N, 3072\); got int64 \(40, 3072\)\.",
        ),
        ("count", r"data_batch_2: 40 images but 39 labels\."),
        ("size", r"training batches of .* differ in size: \[20, 40\]\."),
        ("key", r"needs the key 'labels'"),
    ],
)
def test_a_batch_that_is_not_cifar10_is_rejected(tmp_path: Path, change: str, message: str) -> None:
    batches = generated_batches()
    images, labels = batches["data_batch_2"]
    members = batch_members(batches)
    if change == "label":
        members["data_batch_2"] = batch_bytes("x", images, [10, *labels[1:]])
    elif change == "shape":
        members["data_batch_2"] = batch_bytes("x", images[:, :3071], labels)
    elif change == "dtype":
        members["data_batch_2"] = batch_bytes("x", images.astype(np.int64), labels)
    elif change == "count":
        members["data_batch_2"] = batch_bytes("x", images, labels[:-1])
    elif change == "size":
        members["data_batch_2"] = batch_bytes("x", images[:20], labels[:20])
    else:
        members["data_batch_2"] = pickle.dumps({b"data": images}, protocol=2)
    with pytest.raises(ValueError, match=message):
        load_cifar10(write_archive(tmp_path / ARCHIVE, members))


def test_a_pickle_that_would_run_code_is_refused(tmp_path: Path) -> None:
    members = batch_members(generated_batches())
    members["test_batch"] = pickle.dumps(os.getcwd, protocol=2)  # a global outside NumPy
    with pytest.raises(ValueError, match=r"test_batch in .* not a CIFAR-10 batch: .* not allowed"):
        load_cifar10(write_archive(tmp_path / ARCHIVE, members))


def test_a_file_that_is_not_an_archive_is_rejected(tmp_path: Path) -> None:
    bogus = tmp_path / ARCHIVE
    bogus.write_bytes(b"not a tar file")
    with pytest.raises(ValueError, match=f"is not a readable {ARCHIVE} archive"):
        load_cifar10(bogus)


def test_normalization_constants_are_per_channel_fractions() -> None:
    assert len(CIFAR10_MEAN) == len(CIFAR10_STD) == 3
    assert all(0 < m < 1 and 0 < s < 1 for m, s in zip(CIFAR10_MEAN, CIFAR10_STD, strict=True))


def md5(path: Path) -> str:
    return data._file_md5(path)


def test_fetch_copies_and_checks_a_local_url(cifar10: GeneratedCifar10, tmp_path: Path) -> None:
    url, checksum = cifar10.archive.as_uri(), md5(cifar10.archive)
    target = fetch_cifar10(tmp_path / "new", url=url, md5=checksum)
    assert target == tmp_path / "new" / ARCHIVE
    assert target.read_bytes() == cifar10.archive.read_bytes()
    assert fetch_cifar10(tmp_path / "new", url="file:///nonexistent", md5=checksum) == target
    assert_read_back(load_cifar10(tmp_path / "new"), cifar10)


def test_fetch_removes_a_download_with_the_wrong_checksum(
    cifar10: GeneratedCifar10, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match=r"gave a file with MD5 [0-9a-f]{32}, expected 0{32}"):
        fetch_cifar10(tmp_path, url=cifar10.archive.as_uri(), md5="0" * 32)
    assert list(tmp_path.iterdir()) == []


def test_fetch_command(
    cifar10: GeneratedCifar10,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(data, "CIFAR10_URL", cifar10.archive.as_uri())
    monkeypatch.setattr(data, "CIFAR10_MD5", md5(cifar10.archive))
    assert main(["fetch", "cifar10", "--to", str(tmp_path)]) == 0
    assert (tmp_path / ARCHIVE).read_bytes() == cifar10.archive.read_bytes()
    assert str(tmp_path / ARCHIVE) in capsys.readouterr().out
    monkeypatch.setattr(data, "CIFAR10_URL", (tmp_path / "missing.tar.gz").as_uri())
    assert main(["fetch", "cifar10", "--to", str(tmp_path / "other")]) == 2
    assert capsys.readouterr().err.startswith("error: could not download")
