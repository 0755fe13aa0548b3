"""The ``robustsel`` command line: thin commands over the Python API.

Bad input ends with one line ``error: <message>`` on stderr and exit code 2;
``--debug`` (before the command) shows the traceback instead.
"""

from __future__ import annotations

import sys
import warnings

from robustsel._experimental import ExperimentalWarning
from robustsel.cli import (
    _cifar10,  # noqa: F401  (registers its commands)
    _demo,  # noqa: F401  (registers its commands)
    _ecal,  # noqa: F401  (registers its commands)
    _replay,  # noqa: F401  (registers its commands)
    _report,  # noqa: F401  (registers its commands)
    _run,  # noqa: F401  (registers its commands)
)
from robustsel.cli._app import app


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Experimental features in use are named in one ``note:`` line each, after a
    command that succeeded; a failed one prints only its ``error:`` line.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if debug:
        args.remove("--debug")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ExperimentalWarning)
        code = _invoke(args, debug)
    if code == 0:
        for note in dict.fromkeys(
            str(w.message) for w in caught if w.category is ExperimentalWarning
        ):
            print(f"note: {note}", file=sys.stderr)
    return code


def _invoke(args: list[str], debug: bool) -> int:
    try:
        app(args=args, prog_name="robustsel")
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 1
    except (ValueError, FileNotFoundError) as error:
        if debug:
            raise
        print(f"error: {_message(error)}", file=sys.stderr)
        return 2
    return 0


def _message(error: Exception) -> str:
    text = error.args[0] if len(error.args) == 1 else str(error)
    return str(text).splitlines()[0] if str(text).strip() else type(error).__name__
