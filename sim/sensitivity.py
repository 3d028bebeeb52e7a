"""``python -m sim.sensitivity``: the command of :mod:`sim.cli.sensitivity`."""

from sim.cli.common import run_command
from sim.cli.sensitivity import main

if __name__ == "__main__":
    run_command(main)
