#!/usr/bin/env bash
# make test: a throwaway Redis on a free port, the whole pytest suite, then Redis stops.
# Browser tests save screenshots of each page they check under test-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# Redis for the Celery tests; Debian's Chromium for the browser tests (Playwright drives
# /usr/bin/chromium: no browser download, works offline).
ensure_debian_packages redis-server chromium
mkdir -p var

redis_port=$(free_port)
redis_dir=$(mktemp -d)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
  --daemonize yes --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log" --dir "$redis_dir"
cleanup() {
  [ -f "$redis_dir/redis.pid" ] && kill "$(cat "$redis_dir/redis.pid")" 2>/dev/null || true
  rm -rf "$redis_dir"
}
trap cleanup EXIT
for _ in $(seq 1 50); do redis_answers "redis://127.0.0.1:$redis_port/0" && break; sleep 0.1; done

export REDIS_URL="redis://127.0.0.1:$redis_port/0"
echo "Database: ${DATABASE_URL:-SQLite (default)}; Redis: $REDIS_URL"
.venv/bin/python -m pytest "$@"
