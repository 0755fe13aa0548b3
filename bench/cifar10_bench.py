"""CIFAR-10 benchmark: seconds per instance and images per second of Cifar10Task.

Trains instances of the base model (CIFAR ResNet-18, 64 base filters, SGD with
one-cycle to 0.1, batch 128, augmentation on the device) through
``Cifar10Task.train`` on a 10k training sample, and prints the seconds per
instance and the training images per second (validation on the 10k test images
after every epoch included). Baselines measured in the same run: a bare loop of
forward, backward and SGD step over the same batches (no augmentation, no
validation), and a per-image augmentation loop against the batched one.

On CUDA it runs at full size. On CPU it runs with a reduced size (by default
512 training and 512 validation images, 1 epoch) and says so; its seconds per
instance at full size are a linear projection, labelled as such. Without
``--data`` (or ``ROBUSTSEL_CIFAR10``) it trains on random images written in the
CIFAR-10 format: the speed is the same, the accuracy is meaningless.

Usage::

    .venv/bin/python bench/cifar10_bench.py [--data PATH] [--device auto|cpu|cuda]
        [--images N] [--test-images N] [--epochs E] [--instances K]
"""

from __future__ import annotations

import argparse
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional

from robustsel.instances import instance_spec
from robustsel.tasks.cifar10 import Cifar10Task, normalize, random_crop_flip, resnet18
from robustsel.tasks.cifar10.data import ENV_VAR, FOLDER, TEST_BATCH, TRAIN_BATCHES
from robustsel.training import seeded
from robustsel.types import Model

FULL_IMAGES = 10_000
FULL_TEST_IMAGES = 10_000
BASE_EPOCHS = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get(ENV_VAR))
    parser.add_argument("--device", default="auto")
    parser.add_argument("--images", type=int, help="training sample size")
    parser.add_argument("--test-images", type=int, help="synthetic validation size")
    parser.add_argument("--epochs", type=int, help="epochs per instance")
    parser.add_argument("--instances", type=int, help="instances to time")
    args = parser.parse_args()
    cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
    device = "cuda" if cuda else "cpu"
    images = args.images or (FULL_IMAGES if cuda else 512)
    test_images = args.test_images or (FULL_TEST_IMAGES if cuda else 512)
    epochs = args.epochs or (BASE_EPOCHS if cuda else 1)
    instances = args.instances or (3 if cuda else 1)
    describe(device, images, test_images, epochs, args.data)
    with tempfile.TemporaryDirectory() as scratch:
        data = args.data or write_synthetic(Path(scratch), images, test_images)
        task = Cifar10Task(
            data=str(data), train_size=images, device=device, training={"epochs": epochs}
        )
        seconds = time_instances(task, instances)
    per_image = seconds[-1] / (images * epochs)
    print(f"instance seconds: {', '.join(f'{s:.2f}' for s in seconds)} (first includes warm-up)")
    print(f"training images/s, validation included: {images * epochs / seconds[-1]:,.0f}")
    if (images, epochs) != (FULL_IMAGES, BASE_EPOCHS):
        projected = per_image * FULL_IMAGES * BASE_EPOCHS
        print(
            f"projected seconds per instance at 10k images x {BASE_EPOCHS} epochs "
            f"(linear in images, not measured): {projected:,.0f}"
        )
    print(f"baseline, bare train loop images/s: {bare_loop(device, images):,.0f}")
    batched, looped = augmentation(device)
    print(f"augmentation images/s: batched {batched:,.0f}, per-image loop {looped:,.0f}")


def describe(device: str, images: int, test_images: int, epochs: int, data: str | None) -> None:
    name = (
        torch.cuda.get_device_name()
        if device == "cuda"
        else f"CPU, {torch.get_num_threads()} threads"
    )
    print(f"device: {name}; torch {torch.__version__}")
    if device == "cpu":
        print(
            f"CPU: reduced size, {images} training images x {epochs} epoch(s), "
            f"{test_images} validation images (full size is 10k x {BASE_EPOCHS} on a GPU)"
        )
    print(
        f"data: {data or 'synthetic random images in the CIFAR-10 format (accuracy meaningless)'}"
    )


def time_instances(task: Cifar10Task, instances: int) -> list[float]:
    model = Model("base", {})
    seconds = []
    for index in range(instances):
        result = task.train(model, instance_spec(0, index))
        print(
            f"instance {index}: {result.cost:.2f} s, accuracy {result.quality:.4f}, {result.status}"
        )
        seconds.append(result.cost)
    return seconds


def bare_loop(device: str, images: int) -> float:
    """Training images per second of a plain loop: no augmentation, no validation."""
    with seeded(0):
        net = resnet18().to(device)
    mixed = device == "cuda"
    if mixed:
        net = net.to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    x = torch.randint(0, 256, (images, 3, 32, 32), dtype=torch.uint8, device=device)
    y = torch.randint(0, 10, (images,), device=device)
    for warm_up in (True, False):  # one batch warms up, then one timed pass
        synchronize(device)
        start = time.perf_counter()
        for batch in range(0, 128 if warm_up else images, 128):
            inputs = normalize(x[batch : batch + 128])
            if mixed:
                inputs = inputs.contiguous(memory_format=torch.channels_last)
            with torch.autocast(device, dtype=torch.bfloat16, enabled=mixed):
                loss = functional.cross_entropy(net(inputs).float(), y[batch : batch + 128])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    synchronize(device)
    return images / (time.perf_counter() - start)


def augmentation(device: str, n: int = 10_240) -> tuple[float, float]:
    """Images per second (best of 3) of the batched crop-and-flip and of a
    per-image loop whose crops are then collated (a DataLoader's way)."""
    images = torch.randint(0, 256, (n, 3, 32, 32), dtype=torch.uint8, device=device)
    generator = torch.Generator().manual_seed(0)
    random_crop_flip(images[:128], generator)
    batched = best_rate(
        lambda: [random_crop_flip(b, generator) for b in images.split(128)], n, device
    )
    looped = best_rate(
        lambda: [crop_loop(b, generator) for b in images[:1024].split(128)], 1024, device
    )
    return batched, looped


def crop_loop(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    crops = []
    for image in batch:
        top, left = torch.randint(0, 9, (2,), generator=generator).tolist()
        crop = functional.pad(image, (4,) * 4)[:, top : top + 32, left : left + 32]
        crops.append(crop.flip(-1) if torch.rand(1, generator=generator) < 0.5 else crop)
    return torch.stack(crops)


def best_rate(work: Callable[[], object], n: int, device: str, repeats: int = 3) -> float:
    """``n`` divided by the fastest of ``repeats`` timed calls of ``work``."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        synchronize(device)
        seconds.append(time.perf_counter() - start)
    return n / min(seconds)


def write_synthetic(root: Path, images: int, test_images: int) -> Path:
    """Random images as a ``cifar-10-batches-py`` folder (five training batches)."""
    folder = root / FOLDER
    folder.mkdir()
    rng = np.random.default_rng(0)
    per_batch = -(-images // len(TRAIN_BATCHES))
    for name in (*TRAIN_BATCHES, TEST_BATCH):
        n = test_images if name == TEST_BATCH else per_batch
        batch = {
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            b"labels": rng.integers(0, 10, n).tolist(),
        }
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
    return folder


def synchronize(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


if __name__ == "__main__":
    main()
