"""`python -m sim.policies`: the command of :mod:`sim.cli.policies`."""

from sim.cli.policies import main

if __name__ == "__main__":
    raise SystemExit(main())
