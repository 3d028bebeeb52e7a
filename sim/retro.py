"""``python -m sim.retro``: the command of :mod:`sim.cli.retro`."""

from sim.cli.common import run_command
from sim.cli.retro import main

if __name__ == "__main__":
    run_command(main)
