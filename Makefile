# One entry point for setting up, running and checking the kiosk.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# axe-core checks the web pages in tests/sync/web/test_browser.py; npm, pinned, never a CDN.
AXE_VERSION := 4.14.1
AXE_STAMP := build/node/.axe-core-$(AXE_VERSION)

.PHONY: demo test check lint typecheck bench manuals lock system-deps clean

demo: system-deps $(STAMP)  ## open the kiosk on a demo database with a file printer
	$(BIN)/kiosk demo

test: system-deps $(STAMP) $(AXE_STAMP)  ## the whole test suite
	$(BIN)/pytest

check: lint typecheck test  ## everything CI checks, plus lint and types

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy rules catalog kiosk sync tests/support docs/import_graph.py docs/manuals/build.py

.PHONY: screen-test boot-test
screen-test: system-deps $(STAMP)  ## the kiosk screen under headless cage, read back by OCR
	$(BIN)/pytest tests/deploy/test_screen.py tests/deploy/test_kiosk_screen.py -v

boot-test: system-deps $(STAMP)  ## install both roles on a booted Debian 12 container (slow; by hand)
	BOOT_TEST=1 $(BIN)/pytest tests/deploy/test_boot.py -v -s

manuals: system-deps $(STAMP) $(AXE_STAMP)  ## the Chinese manuals as PDFs in build/manuals (docs/manuals; web screens by the browser tests)
	$(BIN)/python docs/manuals/build.py --out build/manuals

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

$(AXE_STAMP):
	npm install --no-save --no-audit --no-fund --prefix build/node axe-core@$(AXE_VERSION)
	touch $(AXE_STAMP)

lock:  ## re-resolve requirements.lock after changing pyproject.toml
	$(BIN)/pip install -q uv
	$(BIN)/uv pip compile -q pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
