# foryou: `make run` serves on http://127.0.0.1:8000; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DATA_DIR ?= data

.PHONY: install web run test services lint bench clean

install: $(VENV)/.installed web

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The browser app (web/): TypeScript built by Vite into the package's static files, which
# `foryou serve` serves. Rebuilt when its sources change; the build is not committed.
WEB_OUT := src/foryou/static/index.html
WEB_SRC := $(shell find web/src -type f) web/index.html web/vite.config.ts web/tsconfig.json

web: $(WEB_OUT)

web/node_modules/.installed: web/package.json web/package-lock.json
	@command -v npm >/dev/null || { echo "make web needs Node.js 20+ and npm (apt-get install nodejs npm)" >&2; exit 1; }
	cd web && npm ci --silent
	touch $@

$(WEB_OUT): web/node_modules/.installed $(WEB_SRC)
	cd web && npm run --silent build

# A new data directory opens onto a living platform: demo creators, clips and viewing.
run: install
	@test -e $(DATA_DIR) || $(BIN)/foryou seed --demo --data-dir $(DATA_DIR)
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
	$(BIN)/python bench/bench_swipe.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache web/node_modules src/foryou/static
