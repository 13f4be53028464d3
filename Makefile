# Lodestar: `make run` starts the service with demo data, `make test` runs the suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test lint format bench drills fuzz setup clean

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check --upgrade pip
	$(VENV)/bin/pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $@

# Browser assets (Chart.js) from npm, exactly as package-lock.json pins them; the app
# serves them itself (STATICFILES_DIRS), so pages work offline. Re-run only when the lock changes.
node_modules/.installed: package.json package-lock.json
	command -v npm >/dev/null || { source scripts/lib.sh && ensure_debian_packages nodejs npm; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed node_modules/.installed

## run: set up, migrate, seed demo data, run web + worker + beat (Ctrl-C stops all)
run: setup
	scripts/run.sh

## test: set up, start a throwaway Redis, run the whole suite (DATABASE_URL selects PostgreSQL)
## in TEST_PROCESSES processes (pytest-xdist; each has its own test database and Redis db)
TEST_PROCESSES ?= 2
test: setup
	scripts/test.sh -n $(TEST_PROCESSES)

## bench: seed_scale's company in a throwaway PostgreSQL 15 and Redis (BENCH_DATABASE_URL: your
## own database instead), then p50/p95/p99, query count and SQL floor of each key endpoint into
## bench/results/<date>.json; SIZE=small: 1,000 leaders, under 5 minutes; SIZE=full: 10,000
SIZE ?= full
bench: setup
	if [ -z "$${BENCH_DATABASE_URL:-}" ]; then \
	  source scripts/lib.sh && ensure_debian_packages postgresql-15 redis-server; fi
	SIZE=$(SIZE) $(PY) scripts/bench.py

## bench-load: issue 14's email run (20,000 invitations through the outbox) and import runs (10,000
## enrollments, 100,000 observations) under production settings, with peak memory; results in
## bench/results/ (a throwaway PostgreSQL, or BENCH_LOAD_DATABASE_URL: a database name it may
## recreate, with _email and _imports appended; LOAD=email|imports|all; LOAD_SCALE: a fraction)
.PHONY: bench-load
LOAD ?= all
LOAD_SCALE ?= 1
bench-load: setup
	source scripts/lib.sh && ensure_debian_packages postgresql-15 redis-server
	$(PY) -m scripts.bench_load $(LOAD) --scale $(LOAD_SCALE)

## bench-locust: issue 14's load run: 50 users mixing leaders, mentors and HR for 60 s (locust,
## headless) against gunicorn under production settings on a seed_scale company of
## LOCUST_LEADERS; a throwaway PostgreSQL unless BENCH_LOCUST_DATABASE_URL; results in
## bench/results/<date>-locust.json
.PHONY: bench-locust
LOCUST_LEADERS ?= 1000
LOCUST_USERS ?= 50
LOCUST_SECONDS ?= 60
bench-locust: setup
	$(VENV)/bin/pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev,bench]'
	source scripts/lib.sh && ensure_debian_packages postgresql-15 redis-server
	$(PY) -m scripts.bench_locust --leaders $(LOCUST_LEADERS) --users $(LOCUST_USERS) \
	  --seconds $(LOCUST_SECONDS)

## drills: the fault drills against PostgreSQL at DATABASE_URL (scripts/drills/, docs/drills.md)
drills: setup
	source scripts/lib.sh && ensure_debian_packages redis-server
	$(PY) -m scripts.drills $(DRILLS)

## fuzz: Schemathesis against the live app as HR, a mentor and a leader (DATABASE_URL: a
## PostgreSQL database it may recreate; scripts/fuzz.sh)
fuzz: setup
	scripts/fuzz.sh

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var staticfiles node_modules test-artifacts
