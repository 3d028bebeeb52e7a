"""`python -m sim.docs`: the command of :mod:`sim.cli.docs`."""

from sim.cli.docs import main

if __name__ == "__main__":
    raise SystemExit(main())
