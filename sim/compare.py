"""`python -m sim.compare`: the command of :mod:`sim.analysis.compare`."""

from sim.analysis.compare import main

if __name__ == "__main__":
    raise SystemExit(main())
