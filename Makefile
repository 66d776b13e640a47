# Two commands do all set-up on a fresh machine:
#   make serve   - the API on http://127.0.0.1:8000 with the embedded SQLite catalog
#   make test    - the whole test suite (SQLite, PostgreSQL, Redis, headless Chromium)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test lint bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/costcurve serve

test: $(STAMP)
	bash scripts/test-prereqs
	$(BIN)/ruff check service tests bench scripts
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/speed.py
	$(BIN)/python bench/accuracy.py service/catalog/seed/calibration.csv --metric-clear-only
