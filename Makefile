# bpmportal developer commands. On a fresh machine:
#   make run    set everything up and serve the portal at http://127.0.0.1:8000/
#   make test   lint, then the whole test suite on SQLite and on PostgreSQL

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ADDRESS ?= 127.0.0.1:8000
# The PostgreSQL run of the test suite; the server must accept this user without a password
# (or put the password in the URL). Tests create and drop their own test_* database.
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/bpmportal
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-x tests/project"`.
PYTEST_ARGS ?=
# Parallel test processes (pytest-xdist). Two workers roughly halve the suite's time on two
# cores (measured: 63 s -> 34 s on PostgreSQL); PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2

RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
NPM_STAMP := $(if $(wildcard package.json),node_modules/.installed)

.PHONY: run setup test test-sqlite test-postgres lint format check-postgres api-schema

run: setup
	@echo "Serving on http://$(ADDRESS)/ with BPM_DEBUG=1 (local development only). Stop with Ctrl-C."
	BPM_DEBUG=1 $(BIN)/python manage.py runserver $(ADDRESS)

setup: $(RUNTIME_STAMP) $(NPM_STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py ensure_admin

PYTEST := $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)
PYTEST_SQLITE := DATABASE_URL= $(PYTEST)
PYTEST_POSTGRES := DATABASE_URL=$(TEST_POSTGRES_URL) $(PYTEST)

# Steps run in this order even under `make -j`; pytest's exit code 5 (no tests collected)
# fails the build like any other non-zero code.
test: setup $(DEV_STAMP)
	$(BIN)/ruff check .
	@$(MAKE) --no-print-directory api-schema
	@$(MAKE) --no-print-directory check-postgres
	$(PYTEST_SQLITE)
	$(PYTEST_POSTGRES)

test-sqlite: setup $(DEV_STAMP)
	$(PYTEST_SQLITE)

test-postgres: setup $(DEV_STAMP) check-postgres
	$(PYTEST_POSTGRES)

# The OpenAPI schema of the REST API must generate and validate without a single warning.
# (The property-based fuzz run against it, tests/api/test_fuzz.py, is part of the suite.)
api-schema: $(RUNTIME_STAMP)
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-postgres: $(RUNTIME_STAMP)
	@reason=$$($(BIN)/python -c "import sys, psycopg; psycopg.connect(sys.argv[1], dbname='postgres', connect_timeout=5).close()" \
		"$(TEST_POSTGRES_URL)" 2>&1) || { \
		echo "PostgreSQL is not reachable at $(TEST_POSTGRES_URL): $$(echo "$$reason" | grep -m1 '^psycopg' || echo "$$reason" | tail -n 1)"; \
		echo "The test suite also runs on PostgreSQL: start it, or point TEST_POSTGRES_URL at a server."; \
		echo "(To run only the SQLite half: make test-sqlite)"; \
		exit 1; }

# The benchmark environment: SpiffWorkflow, the yardstick of bench/straight_through.py, in a venv
# of its own (.venv-bench), never in .venv: the product does not depend on it. See docs/BENCHMARKS.md.
BENCH_VENV := .venv-bench
.PHONY: bench-env
bench-env: $(BENCH_VENV)/.installed

$(BENCH_VENV)/.installed: bench/requirements-spiff.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -r bench/requirements-spiff.txt
	touch $@

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "bpmportal needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) -V 2>&1)."; \
		echo "Run make with PYTHON=/path/to/python3.11 (or newer)."; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(DEV_STAMP): requirements-dev.txt $(RUNTIME_STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json $(wildcard package-lock.json)
	npm ci
	touch $@
