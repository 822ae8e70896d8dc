# foryou: `make run` serves on http://127.0.0.1:8000; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DATA_DIR ?= data

.PHONY: install run test services lint bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: install
	$(BIN)/foryou serve --host 127.0.0.1 --port 8000 --data-dir $(DATA_DIR)

# The suite talks to real PostgreSQL, MariaDB and Redis servers on loopback.
services:
	bash deploy/local-services.sh

test: install services
	$(BIN)/ruff check src tests
	$(BIN)/mypy src
	$(BIN)/pytest -q -rs -p no:cacheprovider

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

bench: install
	$(BIN)/python bench/bench_events.py
	$(BIN)/python bench/bench_api.py
	$(BIN)/python bench/bench_models.py
	$(BIN)/python bench/bench_online.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
