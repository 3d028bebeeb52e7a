"""`python -m sim.explore`: the command of :mod:`sim.cli.explore`."""

from sim.cli.common import run_command
from sim.cli.explore import main

if __name__ == "__main__":
    run_command(main)
