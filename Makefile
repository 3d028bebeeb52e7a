# The two commands of the README: `make run` (set up, run the baseline) and `make test`.
PYTHON ?= python
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Solara's front-end files for the dashboard (sim/app), fetched from the npm registry: these machines cannot
# reach Solara's CDN. An explicit SOLARA_ASSETS_PROXY_CACHE_DIR is kept.
SOLARA_ASSETS_PROXY_CACHE_DIR ?= $(CURDIR)/.cache/solara-assets
export SOLARA_ASSETS_PROXY_CACHE_DIR
export NO_MKDOCS_2_WARNING = 1

.PHONY: run test setup assets prereqs app lint bench clean docs docs-serve

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Python 3.12+ is needed (pyenv reads .python-version); got " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP) assets

assets: $(STAMP)
	@command -v npm >/dev/null || { echo "the dashboard's front-end files are fetched with npm: run 'sudo apt-get install -y npm' (or make prereqs)" >&2; exit 2; }
	$(PY) -m sim.app.assets "$(SOLARA_ASSETS_PROXY_CACHE_DIR)"

app: setup
	$(PY) -m sim.app $(ARGS)

run: $(STAMP)
	$(PY) -m sim scenario=baseline replications=100000 seed=7 $(ARGS)

# Debian's headless Chromium and npm: installed through apt-get when missing and we may (root or
# passwordless sudo), else one line saying what to install (tools/test-prereqs.sh).
prereqs:
	@tools/test-prereqs.sh

test: prereqs $(STAMP) assets
	$(PY) -m ruff check sim tests experiments hydra_plugins
	$(PY) -m ruff format --check sim tests experiments hydra_plugins
	$(PY) -m mypy
	$(PY) -m sim docs --check
	$(PY) -m mkdocs build --strict --quiet
	$(PY) -m pytest -n 2 --dist worksteal $(ARGS)

# The documentation site (mkdocs.yml): built into site/ with warnings as errors; docs-serve on 127.0.0.1:8000.
docs: $(STAMP)
	$(PY) -m mkdocs build --strict

docs-serve: $(STAMP)
	$(PY) -m mkdocs serve --strict --dev-addr 127.0.0.1:8000

lint: $(STAMP)
	$(PY) -m ruff check --fix sim tests experiments hydra_plugins
	$(PY) -m ruff format sim tests experiments hydra_plugins

bench: $(STAMP)
	$(PY) experiments/benchmark.py

clean:
	rm -rf $(VENV) outputs multirun site .pytest_cache .hypothesis .cache/solara-assets
