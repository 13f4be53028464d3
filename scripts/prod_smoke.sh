#!/usr/bin/env bash
# The production smoke test (.ci/run runs it after the suites): gunicorn, a Celery worker
# and Celery beat under config.settings.production, against PostgreSQL (DATABASE_URL: the
# database is dropped and created afresh), a throwaway Redis and a local SMTP server
# (aiosmtpd). It migrates, creates an HR superuser, then proves: /healthz answers 200;
# HR signs in for an API token; importing a leader into a new cohort sends the welcome
# email through the outbox and the worker to the SMTP server; beat dispatches the outbox
# sweep to the worker; every request and task wrote a JSON line, and no log holds the
# password or the token. Then it stops everything it started, or fails.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5433/prod_smoke scripts/prod_smoke.sh
#
# On failure it prints the tail of every log and exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database the smoke test may recreate}"
ensure_debian_packages redis-server

started_at=$SECONDS
work=$(mktemp -d /tmp/lodestar-prod-smoke.XXXX)
groups=()  # the process groups this script started, one per service

# start NAME COMMAND...: in its own process group (so stopping it stops its children too),
# output to $work/NAME.log.
start() {
  local name=$1
  shift
  setsid "$@" >"$work/$name.log" 2>&1 &
  groups+=("$!")
}

# Stop every group: TERM, up to 20 s to finish, then KILL (and that is a failure).
stop_all() {
  local clean=0 pid alive=""
  for pid in "${groups[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for _ in $(seq 1 40); do
    alive=$(for pid in "${groups[@]}"; do pgrep -g "$pid" || true; done)
    [ -z "$alive" ] && break
    sleep 0.5
  done
  if [ -n "$alive" ]; then
    echo "prod_smoke: FAILED: still running 20 s after TERM:" >&2
    ps -o pid=,args= -p "$(echo $alive | tr ' ' ,)" >&2 || true
    for pid in "${groups[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
    clean=1
  fi
  for pid in "${groups[@]}"; do wait "$pid" 2>/dev/null || true; done
  groups=()
  return $clean
}

finish() {
  local status=$?
  trap - EXIT INT TERM
  stop_all || status=1
  if [ "$status" -ne 0 ]; then
    echo "== production smoke test FAILED (exit $status); the logs:" >&2
    for log in "$work"/*.log; do
      [ -e "$log" ] || continue
      echo "--- $(basename "$log") (last 80 lines)" >&2
      tail -n 80 "$log" >&2
    done
  else
    echo "== production smoke test passed in $((SECONDS - started_at)) s"
  fi
  rm -rf "$work"
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT TERM

# Nothing from the caller's environment may change what production settings read.
unset DEBUG CELERY_BROKER_URL SENTRY_DSN LOG_FORMAT SECURE_SSL_REDIRECT EMAIL_FILE_PATH
export DJANGO_SETTINGS_MODULE=config.settings.production
export PYTHONUNBUFFERED=1
SECRET_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(64))')
redis_port=$(free_port)
smtp_port=$(free_port)
web_port=$(free_port)
host=lodestar.smoke.test
export SECRET_KEY
export REDIS_URL="redis://127.0.0.1:$redis_port/0"
export EMAIL_URL="smtp://127.0.0.1:$smtp_port"
export SITE_URL="https://$host"
export ALLOWED_HOSTS="$host"
export DEFAULT_FROM_EMAIL="Lodestar <lodestar@$host>"
export DJANGO_SUPERUSER_EMAIL="hr@$host"
export DJANGO_SUPERUSER_FULL_NAME="Smoke HR"
DJANGO_SUPERUSER_PASSWORD=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(18))')
export DJANGO_SUPERUSER_PASSWORD

echo "== production smoke test: $DATABASE_URL, Redis :$redis_port, SMTP :$smtp_port, web :$web_port"
start redis redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no
start smtp .venv/bin/python scripts/prod_smoke.py smtp --port "$smtp_port" --maildir "$work/mail"
.venv/bin/python scripts/prod_smoke.py createdb "$DATABASE_URL"

manage() { .venv/bin/python manage.py "$@" >>"$work/manage.log" 2>&1; }
manage check --deploy --fail-level WARNING
manage migrate --no-input
manage collectstatic --no-input -v 0
manage createsuperuser --no-input
echo "prod_smoke: migrated, static files collected, HR superuser created ($((SECONDS - started_at)) s)"

# No control socket: it lives in ~/.gunicorn/, shared with any other gunicorn of this user.
start web .venv/bin/gunicorn config.wsgi --bind "127.0.0.1:$web_port" --workers 2 \
  --graceful-timeout 10 --no-control-socket
start worker .venv/bin/celery -A config worker --loglevel=INFO --concurrency=1
start beat .venv/bin/celery -A config beat --loglevel=INFO

.venv/bin/python scripts/prod_smoke.py web --base "http://127.0.0.1:$web_port" --host "$host" \
  --email "$DJANGO_SUPERUSER_EMAIL" --maildir "$work/mail" --token-file "$work/token"

# Beat synced CELERY_BEAT_SCHEDULE into the database when it started; make the outbox
# sweep due now (instead of waiting its minute) and see beat send it to the worker.
.venv/bin/python manage.py shell -c '
import datetime
from django.utils import timezone
from django_celery_beat.models import PeriodicTask, PeriodicTasks
sweep = PeriodicTask.objects.filter(name="outbox-sweep")
assert sweep.exists(), "beat has not synced its schedule into the database"
sweep.update(last_run_at=timezone.now() - datetime.timedelta(minutes=5))
PeriodicTasks.update_changed()
' >>"$work/manage.log" 2>&1
# Waits for the worker's JSON lines of the welcome's send (a batch of one) and of beat's sweep.
.venv/bin/python scripts/prod_smoke.py logs --logs "$work" --task outbox.send_batch --task outbox.sweep \
  --secret "$DJANGO_SUPERUSER_PASSWORD" --secret "$(cat "$work/token")"
echo "prod_smoke: beat dispatched the outbox sweep and the worker ran it"

stop_all || { echo "prod_smoke: FAILED: a service did not stop cleanly" >&2; exit 1; }
echo "prod_smoke: gunicorn, the worker, beat, Redis and the SMTP server stopped"
