"""`python -m sim.policies`: the command of :mod:`sim.cli.policies`."""

from sim.cli.common import run_command
from sim.cli.policies import main

if __name__ == "__main__":
    run_command(main)
