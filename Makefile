# Escalator: `make run` starts the whole stack, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Binaries that pip packages install (temporal, temporal-test-server) come first on PATH.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: run test lint format bench clean chromium screens

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	ESCALATOR_LOG_FORMAT=$${ESCALATOR_LOG_FORMAT:-text} $(BIN)/escalator up

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy models workflows activities api escalator worker.py scripts bench tests

test: lint chromium
	$(BIN)/pytest

# The README's screenshots: the browser scenarios, each page saved to docs/screens/.
screens: $(VENV)/.installed-dev chromium
	ESCALATOR_SCREENS_DIR=docs/screens $(BIN)/pytest -q tests/browser

# Debian's chromium for the browser tests (tests/browser), when it is missing.
chromium:
	scripts/install-chromium.sh

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# bench/open_cases.py opens BENCH_CASES cases on `escalator up`; the issue's figure is for
# 100,000 (`make bench BENCH_CASES=100000`: about two hours on the 2-core VM).
BENCH_CASES ?= 10000

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/business_time.py
	$(BIN)/python bench/list_cases.py
	$(BIN)/python bench/queues.py
	$(BIN)/python bench/portal_pages.py
	$(BIN)/python bench/vs_bare.py
	$(BIN)/python bench/open_cases.py --cases $(BENCH_CASES)
	$(BIN)/python bench/alert_storm.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
