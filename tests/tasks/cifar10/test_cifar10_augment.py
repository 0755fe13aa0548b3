"""Batched crop-and-flip augmentation and normalization on plain tensors."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor
from torch.nn import functional

from robustsel.tasks.cifar10 import CIFAR10_MEAN, CIFAR10_STD, normalize, random_crop_flip


def images(n: int = 8, size: int = 8, seed: int = 0) -> Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, 3, size, size), generator=generator, dtype=torch.uint8)


def candidates(image: Tensor, padding: int) -> list[Tensor]:
    """Every crop of the zero-padded image, and its horizontal flip."""
    size = image.shape[-1]
    padded = functional.pad(image, (padding,) * 4)
    crops = [
        padded[:, top : top + size, left : left + size]
        for top in range(2 * padding + 1)
        for left in range(2 * padding + 1)
    ]
    return crops + [crop.flip(-1) for crop in crops]


def test_each_output_is_a_padded_crop_of_its_image_possibly_flipped() -> None:
    batch = images()
    out = random_crop_flip(batch, torch.Generator().manual_seed(1), padding=2)
    for image, augmented in zip(batch, out, strict=True):
        assert any(torch.equal(augmented, crop) for crop in candidates(image, 2))


def test_shape_dtype_and_contiguity_are_kept() -> None:
    batch = images(4, 32)
    out = random_crop_flip(batch, torch.Generator().manual_seed(0))
    assert (out.shape, out.dtype, out.is_contiguous()) == (batch.shape, batch.dtype, True)
    floats = random_crop_flip(batch.float(), torch.Generator().manual_seed(0))
    assert torch.equal(floats, out.float())


def test_the_generator_fixes_the_augmentation() -> None:
    batch = images(64, 32)
    first = random_crop_flip(batch, torch.Generator().manual_seed(3))
    assert torch.equal(first, random_crop_flip(batch, torch.Generator().manual_seed(3)))
    assert not torch.equal(first, random_crop_flip(batch, torch.Generator().manual_seed(4)))


def test_without_padding_about_half_of_the_images_are_flipped() -> None:
    batch = images(400)
    out = random_crop_flip(batch, torch.Generator().manual_seed(0), padding=0)
    flipped = torch.tensor([torch.equal(o, i.flip(-1)) for o, i in zip(out, batch, strict=True)])
    kept = torch.tensor([torch.equal(o, i) for o, i in zip(out, batch, strict=True)])
    assert bool((flipped | kept).all())
    assert 150 < int(flipped.sum()) < 250


def test_every_shift_occurs() -> None:
    column = torch.arange(1, 9, dtype=torch.uint8).expand(500, 1, 8, 8)  # pixel = column + 1
    out = random_crop_flip(column.contiguous(), torch.Generator().manual_seed(0), padding=2)
    first = out[:, 0, 4, 0]  # the leftmost pixel: 0 (padding) or 1..3, flipped: 6..8 or 0
    assert set(first.tolist()) == {0, 1, 2, 3, 6, 7, 8}


def test_negative_padding_raises() -> None:
    with pytest.raises(ValueError, match=r"padding must be >= 0; got -1\."):
        random_crop_flip(images(), torch.Generator(), padding=-1)


def test_normalize_standardizes_per_channel() -> None:
    mean = torch.tensor(CIFAR10_MEAN).view(1, 3, 1, 1)
    out = normalize(torch.zeros(2, 3, 4, 4, dtype=torch.uint8))
    assert out.dtype == torch.float32
    expected = (-mean / torch.tensor(CIFAR10_STD).view(1, 3, 1, 1)).expand(2, 3, 4, 4)
    torch.testing.assert_close(out, expected)
    assert torch.equal(
        normalize(torch.full((1, 1, 1, 1), 51, dtype=torch.uint8), (0.2,), (1.0,)),
        torch.zeros(1, 1, 1, 1),
    )
