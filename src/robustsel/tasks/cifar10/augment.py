"""Batched CIFAR-10 image transforms on plain torch tensors (no torchvision).

Both run on the tensor's device, on a whole batch at once: :func:`random_crop_flip`
is the standard CIFAR augmentation (random 32 x 32 crop of the image padded with
4 black pixels, horizontal flip with probability 1/2), :func:`normalize` turns
``uint8`` images into standardized floats. Random numbers come from a CPU
:class:`torch.Generator`, so a seed gives the same augmentation on every device.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn import functional

from robustsel.tasks.cifar10.data import CIFAR10_MEAN, CIFAR10_STD


def random_crop_flip(images: Tensor, generator: torch.Generator, *, padding: int = 4) -> Tensor:
    """Randomly crop each image of its zero-padded self and flip half of them.

    Parameters
    ----------
    images : Tensor
        A batch ``(N, C, H, W)`` of any dtype (``uint8`` before :func:`normalize`).
    generator : torch.Generator
        A CPU generator: it draws the offsets and flips.
    padding : int, default=4
        Pixels of zeros added on each side before cropping; >= 0.

    Returns
    -------
    Tensor
        A new contiguous batch of the same shape, dtype and device.

    Notes
    -----
    One ``gather`` over the flattened padded batch picks every output pixel;
    it is about 14 times faster on CPU than advanced indexing.

    Examples
    --------
    >>> images = torch.arange(2 * 3 * 4 * 4, dtype=torch.uint8).reshape(2, 3, 4, 4)
    >>> out = random_crop_flip(images, torch.Generator().manual_seed(0), padding=1)
    >>> out.shape, out.dtype
    (torch.Size([2, 3, 4, 4]), torch.uint8)
    >>> unpadded = random_crop_flip(images, torch.Generator().manual_seed(0), padding=0)
    >>> [torch.equal(o, i) or torch.equal(o, i.flip(-1)) for o, i in zip(unpadded, images)]
    [True, True]
    """
    if padding < 0:
        raise ValueError(f"padding must be >= 0; got {padding}.")
    n, channels, height, width = images.shape
    offsets = torch.randint(0, 2 * padding + 1, (2, n), generator=generator)
    flips = torch.rand(n, generator=generator) < 0.5
    offsets, flips = offsets.to(images.device), flips.to(images.device)
    rows = offsets[0, :, None] + torch.arange(height, device=images.device)
    columns = torch.arange(width, device=images.device).expand(n, width)
    columns = torch.where(flips[:, None], columns.flip(1), columns) + offsets[1, :, None]
    flat = rows[:, :, None] * (width + 2 * padding) + columns[:, None, :]
    index = flat.view(n, 1, height * width).expand(n, channels, height * width)
    padded = functional.pad(images, (padding,) * 4).flatten(2)
    return padded.gather(2, index).view(n, channels, height, width)


def normalize(
    images: Tensor,
    mean: tuple[float, ...] = CIFAR10_MEAN,
    std: tuple[float, ...] = CIFAR10_STD,
) -> Tensor:
    """``uint8`` images ``(N, C, H, W)`` as float32 standardized per channel.

    Scales to [0, 1], subtracts ``mean`` and divides by ``std`` (the CIFAR-10
    training-set statistics by default).

    Examples
    --------
    >>> normalize(torch.full((1, 3, 1, 1), 255, dtype=torch.uint8)).flatten()
    tensor([2.0591, 2.1265, 2.1158])
    """
    shift = torch.tensor(mean, device=images.device).view(1, -1, 1, 1)
    scale = torch.tensor(std, device=images.device).view(1, -1, 1, 1)
    return (images.float() / 255 - shift) / scale
