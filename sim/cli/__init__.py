"""The command line: the Hydra app, its pre-flight checks, the printed report and the small argparse commands."""

import sys

from sim.cli.common import EXIT_INTERRUPTED


def main() -> None:
    """Entry point of ``muscat-sim`` and ``python -m sim``: Ctrl-C while the libraries load is one line too."""
    try:
        from sim.cli.app import main as app_main
        from sim.cli.common import run_command
    except KeyboardInterrupt:
        print("interrupted before the run started; nothing to keep", file=sys.stderr)
        raise SystemExit(EXIT_INTERRUPTED) from None
    run_command(app_main)
