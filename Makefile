# ficarchive: `make run` serves the archive with demo content; `make test` runs the whole suite.
# Everything installs into .venv from the package registries; only Python 3.11+ is needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test check lint typecheck migrations-check pytest bench bench-scale bench-pages bench-matching bench-load cluster clean setup

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ficarchive needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## Set up, fill an empty archive with demo content, serve at http://$(HOST):$(PORT)/
run: $(STAMP)
	$(BIN)/ficarchive demo --if-empty
	$(BIN)/ficarchive serve --with-worker --host $(HOST) --port $(PORT)

serve: $(STAMP)
	$(BIN)/ficarchive serve --with-worker --host $(HOST) --port $(PORT)

## Set up and run everything CI runs: ruff, mypy --strict, makemigrations --check, pytest.
test: $(STAMP)
	@$(BIN)/python scripts/test.py

check: lint typecheck migrations-check

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy

migrations-check: $(STAMP)
	FICARCHIVE_DATA_DIR=$$(mktemp -d) $(BIN)/ficarchive makemigrations --check --dry-run

pytest: $(STAMP)
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

## Every benchmark (not in CI), each writing its figures into docs/benchmarks.md: the scale
## benchmark, guests' pages against nginx. Needs Debian's wrk and nginx for bench-pages.
bench: bench-scale bench-pages bench-matching

## Gift exchange matching at Yuletide's size (2,500 sign-ups): bench/matching.py.
bench-matching: $(STAMP)
	$(BIN)/python -m bench.matching

## Scale benchmark: builds archives of 10k, 100k and 1M works, measures over HTTP.
## Partial runs: make bench-scale SIZES=10000 DB=postgres ARGS="--only work"
SIZES ?= 10000,100000,1000000
DB ?= sqlite
bench-scale: $(STAMP)
	$(BIN)/python -m bench.run --sizes $(SIZES) --db $(DB) $(ARGS)

## Guests' work pages and listings (page cache) against nginx on the same bytes (wrk).
bench-pages: $(STAMP)
	$(BIN)/python -m bench.pages

## The scale-out deployment on this machine (PostgreSQL at $(POSTGRES), Debian's nginx and
## redis-server): two app servers, two workers, nginx in front, until Ctrl-C (scripts/cluster.py).
POSTGRES ?= postgres://postgres@127.0.0.1:5432/postgres
cluster: $(STAMP)
	$(BIN)/python scripts/cluster.py --database-url $(POSTGRES)

## Load benchmark (not in CI): 200 readers and 30 writers for 60 s on SQLite and on the cluster;
## writes docs/benchmarks.md's Load section. One database: make bench-load LOAD_DB=sqlite
LOAD_DB ?= sqlite,postgres
bench-load: $(STAMP)
	$(BIN)/python -m bench.load --db $(LOAD_DB) --postgres $(POSTGRES)
