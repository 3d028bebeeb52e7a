# The two commands of the README: `make run` (set up, run the baseline) and `make test`.
PYTHON ?= python
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test setup lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Python 3.12+ is needed (pyenv reads .python-version); got " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(PY) -m sim scenario=baseline replications=100000 seed=7 $(ARGS)

test: $(STAMP)
	$(PY) -m ruff check sim tests experiments
	$(PY) -m pytest -n 2 $(ARGS)

bench: $(STAMP)
	$(PY) experiments/benchmark.py

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache .hypothesis
