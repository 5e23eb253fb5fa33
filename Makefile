# Helpdesk: `make run` starts the product with demo data, `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
USERS ?= 100
DURATION ?= 5m
N ?= 100000

.PHONY: install run serve test lint format migrations-check screenshots bench bench-channels load figures mutation clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## Set up everything and serve http://127.0.0.1:8000 with demo data, plus a Celery
## worker and beat (embedded broker without REDIS_URL; Redis with it).
run: install
	$(BIN)/python manage.py devserver --setup $(HOST):$(PORT)

## The whole test suite (DATABASE_URL / REDIS_URL pick PostgreSQL and Redis).
test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

## Refresh the README's pictures in docs/screenshots/ in Chromium: the demo data's
## list, board, panel tabs, reports, settings, dark mode and phone width
## (tests/e2e/test_screenshots.py), and those of the other browser tests that take one.
SCREENSHOT_TESTS = $(shell grep -li screenshots tests/e2e/test_*.py)
screenshots: install
	SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(BIN)/pytest -p no:cacheprovider $(SCREENSHOT_TESTS)

## Rerun the tests that report acceptance figures (the files that import
## tests.figures), record each figure and its bound in docs/figures.jsonl, and
## rewrite the figure column of docs/reliability.md from those records.
FIGURE_TESTS = $(shell grep -rlE --include='test_*.py' '^from tests(\.figures)? import .*(figures|report)' tests | grep -v test_figures_doc)
figures: install
	rm -f docs/figures.jsonl
	FIGURES_FILE=$(CURDIR)/docs/figures.jsonl $(BIN)/pytest -p no:cacheprovider $(FIGURE_TESTS)
	$(BIN)/python -m tests.figures

## Load test on loopback: gunicorn + DATABASE_URL, USERS agents for DURATION
## (70% reads, 20% comments, 10% creates); figures in docs/load/summary.json.
load: install
	$(BIN)/python -m loadtest.run --users $(USERS) --duration $(DURATION)

## Benchmark on PostgreSQL (BENCH_DATABASE_URL, default a local helpdesk_bench
## database): seed N tickets (N=1000000 for the full run), measure, write
## bench/results.md.
bench: install
	$(BIN)/python -m bench --tickets $(N)

## 1,000 queued public replies to a local chat callback receiver and a local SMTP
## server (aiosmtpd), delivered per second: bench/channels-results.md.
bench-channels: install
	$(BIN)/python -m bench.channels --replies 1000

## Mutation testing of the core with mutmut (not part of `make test`, ~35 min on
## 2 shared cores; needs DATABASE_URL): the score per module, written into
## docs/mutation.md; fails under 85 % or on an unexplained survivor.
mutation: install
	nice $(BIN)/mutmut run --max-children 2
	$(BIN)/python -m mutation.score --doc

clean:
	rm -rf $(VENV) mutants db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles
