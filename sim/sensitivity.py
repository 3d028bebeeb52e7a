"""`python -m sim.sensitivity`: the command of :mod:`sim.analysis.sensitivity`."""

from sim.analysis.sensitivity import main

if __name__ == "__main__":
    raise SystemExit(main())
