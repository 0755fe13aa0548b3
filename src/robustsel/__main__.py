"""``python -m robustsel``: the command line."""

from robustsel.cli import main

raise SystemExit(main())
