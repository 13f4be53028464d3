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
# serves them itself (STATICFILES_DIRS), so pages work offline. Also oidc-provider, the local
# OpenID provider of OIDC_DEMO=1 and the single sign-on tests. Re-run only when the lock changes.
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

## bench: issue 14's whole benchmark in one command, each run on a throwaway PostgreSQL 15 and
## Redis of its own: the endpoints (p50/p95/p99, query count, SQL floor; scripts/bench.py), the
## locust run (scripts/bench_locust.py), the email and import runs (scripts/bench_load.py), then
## the goals table in docs/performance.md (scripts/bench_report.py). Results: bench/results/.
## SIZE=small: 1,000 leaders, 20 s of locust, a tenth of the email and import sizes;
## SIZE=full (default): 10,000 leaders, 60 s of locust, the issue's sizes.
SIZE ?= full
LOCUST_LEADERS ?= 1000
LOCUST_USERS ?= 50
LOCUST_SECONDS ?= $(if $(filter small,$(SIZE)),20,60)
LOAD ?= all
LOAD_SCALE ?= $(if $(filter small,$(SIZE)),0.1,1)
bench: bench-endpoints bench-locust bench-load
	$(PY) -m scripts.bench_report --size $(SIZE)

.PHONY: bench-setup bench-endpoints bench-locust bench-load
bench-setup: setup
	$(VENV)/bin/pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev,bench]'
	source scripts/lib.sh && ensure_debian_packages postgresql-15 redis-server

## bench-endpoints: the endpoints only (BENCH_DATABASE_URL: your own database instead of a
## throwaway one; scripts/bench.py lists its knobs)
bench-endpoints: bench-setup
	SIZE=$(SIZE) $(PY) scripts/bench.py

## bench-load: the email run (20,000 invitations through the outbox) and the import runs (10,000
## enrollments, 100,000 observations) under production settings, with peak memory
## (BENCH_LOAD_DATABASE_URL: a database name it may recreate, with _email and _imports appended;
## LOAD=email|imports|all; LOAD_SCALE: a fraction of the sizes)
bench-load: bench-setup
	$(PY) -m scripts.bench_load $(LOAD) --scale $(LOAD_SCALE)

## bench-locust: 50 users mixing leaders, mentors and HR (locust, headless) against gunicorn under
## production settings on a seed_scale company of LOCUST_LEADERS (BENCH_LOCUST_DATABASE_URL:
## a database it may recreate)
bench-locust: bench-setup
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
