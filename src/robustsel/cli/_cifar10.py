"""``robustsel fetch cifar10``: download the CIFAR-10 archive, only when asked."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from robustsel.cli._app import app

fetch_app = typer.Typer(help="Download a data set (never done implicitly).", no_args_is_help=True)
app.add_typer(fetch_app, name="fetch")


@fetch_app.callback()
def _fetch() -> None:
    """Download a data set into a folder; tests and selections never download."""


@fetch_app.command("cifar10")
def fetch_cifar10_command(
    to: Annotated[Path, typer.Option("--to", help="Folder to write cifar-10-python.tar.gz into.")],
) -> None:
    """Download cifar-10-python.tar.gz (163 MB) and verify its MD5 checksum."""
    from robustsel.tasks.cifar10.data import CIFAR10_URL, ENV_VAR, fetch_cifar10

    try:
        archive = fetch_cifar10(to)
    except OSError as error:
        raise ValueError(f"could not download {CIFAR10_URL}: {error}") from None
    console = Console()
    console.print(f"wrote {archive} (MD5 verified)")
    console.print(f"point task_options.data or {ENV_VAR} at it: {ENV_VAR}={archive}")
