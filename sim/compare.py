"""``python -m sim.compare``: the command of :mod:`sim.cli.compare`."""

from sim.cli.common import run_command
from sim.cli.compare import main

if __name__ == "__main__":
    run_command(main)
