"""The Typer application that every command module registers on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="robustsel",
    help="Find the robust model of a search space at a fraction of an exhaustive search's cost.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Robust model selection: replay recorded results, run live selections, report."""
