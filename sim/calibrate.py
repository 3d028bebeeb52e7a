"""``python -m sim.calibrate``: the command of :mod:`sim.cli.calibrate`."""

from sim.cli.calibrate import main
from sim.cli.common import run_command

if __name__ == "__main__":
    run_command(main)
