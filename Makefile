# The two commands of the quick start: `make demo` and `make test`. Each builds its own virtual
# environment from the pinned lock file; nothing relies on what happens to be installed.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_LANDING   ?= sources/landing
DEMO_WAREHOUSE ?= warehouse/portal.duckdb

.PHONY: venv demo demo-data build ui test lint bench clean

$(BIN)/portal: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	@touch $@

venv: $(BIN)/portal

demo-data: venv
	$(BIN)/portal demo-data --out $(DEMO_LANDING)

build: venv
	$(BIN)/portal build --landing $(DEMO_LANDING) --warehouse $(DEMO_WAREHOUSE)

# Demo: write the bundled Northeast scenario, build the warehouse, then serve the Dagster UI
# (the dashboard joins it in a later release).
demo: demo-data build
	PORTAL_LANDING=$(DEMO_LANDING) PORTAL_WAREHOUSE=$(DEMO_WAREHOUSE) $(BIN)/portal ui

ui: venv
	$(BIN)/portal ui

# dg looks for the project's virtual environment; DAGSTER_HOME keeps test runs out of the demo's instance
test: venv
	$(BIN)/ruff check .
	VIRTUAL_ENV=$(CURDIR)/$(VENV) DAGSTER_HOME=$$(mktemp -d) $(BIN)/dg check defs
	$(BIN)/pytest

lint: venv
	$(BIN)/ruff check .

# The national-scale benchmark (not part of `make test`): `make bench SCALES="1 20"` to choose scales.
# Writes benchmarks/out/results.{csv,json}; demo data is kept in benchmarks/out/data/ for the next run.
SCALES ?= 1 20 100
bench: venv
	$(BIN)/python -m benchmarks.run --scales $(SCALES)


clean:
	rm -rf $(VENV) .pytest_cache
