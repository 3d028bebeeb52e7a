"""``python -m sim.scenarios``: the command of :mod:`sim.cli.scenarios`."""

from sim.cli.common import run_command
from sim.cli.scenarios import main

if __name__ == "__main__":
    run_command(main)
