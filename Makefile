# Recaudo: `make run` to try it, `make test` to check it.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/recaudo
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-postgres lint bench-import clean

$(BIN)/recaudo: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/recaudo

install: $(BIN)/recaudo

run: install
	DEBUG=true $(BIN)/recaudo migrate --no-input
	DEBUG=true PUBLIC_BASE_URL=http://$(HOST):$(PORT) $(BIN)/recaudo demo
	DEBUG=true $(BIN)/recaudo dev --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check recaudo tests bench
	$(BIN)/mypy
	$(BIN)/python scripts/import_graph.py --check

test: lint
	$(BIN)/pytest -q

test-postgres: lint
	DATABASE_URL=$${DATABASE_URL:-$(POSTGRES_URL)} $(BIN)/pytest -q

bench-import: install
	$(BIN)/python bench/import.py --rows 1000000

clean:
	rm -rf $(VENV) var
