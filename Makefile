# The two commands of the quick start: `make demo` and `make test`. Each builds its own virtual
# environment from the pinned lock file; nothing relies on what happens to be installed.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_LANDING   ?= sources/landing
DEMO_WAREHOUSE ?= warehouse/portal.duckdb

.PHONY: venv demo demo-data build ui dashboard fonts browser test lint bench clean

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

# Demo: write the bundled Northeast scenario, build the warehouse, make one DEMO account per role (new passwords
# printed once), then serve the dashboard (http://localhost:8501) and the Dagster UI (http://localhost:3000)
# together until Ctrl-C.
demo: demo-data build fonts
	$(BIN)/portal demo-accounts --warehouse $(DEMO_WAREHOUSE)
	$(BIN)/portal serve --landing $(DEMO_LANDING) --warehouse $(DEMO_WAREHOUSE)

ui: venv
	$(BIN)/portal ui

dashboard: venv
	$(BIN)/portal dashboard

# Debian's CJK font for the PDF reports, and Chromium for the browser tests (each does nothing when present and
# never fails the build: what needs the package then says why it is missing)
fonts:
	bash deploy/apt-install.sh fonts-noto-cjk

browser:
	bash deploy/apt-install.sh chromium fonts-noto-cjk

# dg looks for the project's virtual environment; DAGSTER_HOME keeps test runs out of the demo's instance
test: venv browser
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
