"""``python -m sim.docs``: the command of :mod:`sim.cli.docs`."""

from sim.cli.common import run_command
from sim.cli.docs import main

if __name__ == "__main__":
    run_command(main)
