# One entry point for setting up, running and checking the kiosk.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint typecheck bench lock system-deps clean

demo: system-deps $(STAMP)  ## open the kiosk on a demo database with a file printer
	$(BIN)/kiosk demo

test: system-deps $(STAMP)  ## the whole test suite
	$(BIN)/pytest

check: lint typecheck test  ## everything CI checks, plus lint and types

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy rules catalog kiosk/core

bench: system-deps $(STAMP)  ## the benchmark table (slow; run by hand)
	$(BIN)/python -m bench

system-deps:
	@bash .ci/setup-debian

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

lock:  ## re-resolve requirements.lock after changing pyproject.toml
	$(BIN)/pip install -q uv
	$(BIN)/uv pip compile -q pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
