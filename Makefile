# rear-differential: every target installs what it needs first.
# On a fresh machine (Python 3.11+, git, make) `make run` and `make test` are
# the whole set-up.

PYTHON ?= python3
POETRY_VERSION := 2.5.1
POETRY_HOME := .tools/poetry
POETRY := $(POETRY_HOME)/bin/poetry
# One virtualenv per interpreter: .venv for python3, .venv-python3.13 for
# PYTHON=python3.13 (make test PYTHON=python3.13), and so on.
ifeq ($(PYTHON),python3)
VENV ?= .venv
else
VENV ?= .venv-$(notdir $(PYTHON))
endif
MANAGE := $(VENV)/bin/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

export POETRY_VIRTUALENVS_IN_PROJECT := true
export POETRY_NO_INTERACTION := 1

.DEFAULT_GOAL := help
.PHONY: help install run test lint fmt schema check clean-db bench e2e faults wrk

help:
	@echo "make run     serve on http://$(HOST):$(PORT)/rear-diff/ (embedded PostgreSQL + demo data when nothing is configured)"
	@echo "make test    run the test suite against a real PostgreSQL"
	@echo "make lint    ruff, formatting, the layers (import-linter), migrations and OpenAPI checks"
	@echo "make fmt     format and autofix with ruff"
	@echo "make schema  write the OpenAPI schema to openapi.json"
	@echo "make bench   benchmark the service against its own SQL (wrk + pgbench)"
	@echo "make e2e     the React/Vite reference client in chromium against the running service (needs Node 20.19+)"
	@echo "make faults the production server under load while its database stops and restarts"
	@echo "make install install Poetry (under .tools/) and the locked dependencies (under .venv/)"

$(POETRY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required")'
	$(PYTHON) -m venv $(POETRY_HOME)
	$(POETRY_HOME)/bin/pip install --quiet --disable-pip-version-check "poetry==$(POETRY_VERSION)"

# Poetry installs into the virtualenv that VIRTUAL_ENV names. --with redis: the
# optional Redis client (shared throttle counters), so its tests run here and in
# CI as they run in the production image.
$(VENV)/.installed: pyproject.toml poetry.lock | $(POETRY)
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	VIRTUAL_ENV=$(abspath $(VENV)) $(POETRY) sync --no-root --with redis
	@touch $@

install: $(VENV)/.installed

# Served as production serves it (config/asgi.py), by one uvicorn process, so the
# live changes stream (runserver is WSGI: each stream would answer once and
# reconnect). When it ends (Ctrl-C or a failed step) the embedded PostgreSQL
# stops, unless another client still uses it (a test run, a second server): see
# config/embedded_postgres/__main__.py.
run: install
	@trap 'trap - EXIT; $(VENV)/bin/python -m config.embedded_postgres release' EXIT; \
	trap 'exit 130' INT TERM; set -ex; \
	$(MANAGE) migrate --no-input --skip-checks; \
	$(MANAGE) media_demo; \
	$(MANAGE) check --database default; \
	$(VENV)/bin/uvicorn config.asgi:application --http config.workers:BoundedHttpToolsProtocol \
	  --host $(HOST) --port $(PORT)

# The suite in parallel (pytest-xdist, one worker per core), then the tests that
# need the PostgreSQL cluster to themselves (marker `exclusive`: the read cache's
# snapshot moves with any commit in the cluster). PYTEST_ARGS reach both runs.
test: install
	$(VENV)/bin/pytest -n auto -m "not exclusive" $(PYTEST_ARGS)
	$(VENV)/bin/pytest -m exclusive $(PYTEST_ARGS)

# The OpenAPI schema describes the live table (media/api/openapi.py): the one `make run`
# prepares, the demo table (G2) on the embedded database, a configured database's own.
SCHEMA_TABLE = $(MANAGE) migrate --no-input --skip-checks -v 0 && $(MANAGE) media_demo > /dev/null

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(MANAGE) makemigrations --check --dry-run
	$(SCHEMA_TABLE)
	$(MANAGE) spectacular --validate --fail-on-warn --file /dev/null

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

schema: install
	$(SCHEMA_TABLE)
	$(MANAGE) spectacular --validate --fail-on-warn --format openapi-json --file openapi.json
	@echo "wrote openapi.json"

# Service vs the SQL floor on G0 and G2 at 10,000, 200,000 and 1,000,000 rows, the read
# cache's repeat cases (tests/bench/run.py), the cold pages against the earlier service
# (tests/bench/cold.py), one 1,000-row bulk (tests/bench/bulk.py), the read cache's
# memory (tests/bench/cache_memory.py), what the metrics cost on its hit path
# (tests/bench/metrics_cost.py) and what the change log costs the pipeline's writers
# and how big it stays (tests/bench/change_log.py).
# BENCH_TABLES, BENCH_ROWS, BENCH_SECONDS, BENCH_CASES override.
bench: install wrk
	$(VENV)/bin/python -m tests.bench.run
	$(VENV)/bin/python -m tests.bench.cold
	$(VENV)/bin/python -m tests.bench.bulk
	$(VENV)/bin/python -m tests.bench.cache_memory
	$(VENV)/bin/python -m tests.bench.metrics_cost
	$(VENV)/bin/python -m tests.bench.change_log
	$(VENV)/bin/python -m tests.bench.live

# The production server on its own embedded PostgreSQL (.local/faults-pgdata) under
# wrk while the database stops and starts, then 60 s of load and concurrent
# PATCHes; prints what it measured, fails on any non-contract answer.
faults: install wrk
	$(VENV)/bin/python -m tests.faults.run

# The load generator of bench and faults: Debian's wrk, installed with apt-get when
# missing (as make e2e does for chromium).
wrk:
	@command -v wrk >/dev/null || { SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  echo "wrk is missing: $$SUDO apt-get install -y wrk"; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q wrk; }

# The reference client (tests/e2e/): npm ci from its lock file, chromium via
# apt-get when missing, the service on gunicorn (embedded PostgreSQL under
# .local/e2e), the client generated from /rear-diff/openapi.json and
# type-checked, Vite on localhost:5173, then the browser tests.
e2e: install
	bash tests/e2e/run.sh

clean-db: install
	$(VENV)/bin/python -m config.embedded_postgres delete
