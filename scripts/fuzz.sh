#!/usr/bin/env bash
# Schema fuzzing (make fuzz; .ci/run runs it): Schemathesis against the live app on
# PostgreSQL, signed in as HR, as a mentor and as a leader in turn, every operation of
# /api/schema/ (writes included), every check, the stateful phase too. Any server error
# (5xx) or any answer the schema does not describe (status, content type, body) fails it.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5433/lodestar_fuzz scripts/fuzz.sh
#
# The database in DATABASE_URL is dropped and created afresh, migrated and seeded with the
# demo (seed_demo); the app runs under gunicorn with a throwaway Redis. Knobs:
#   FUZZ_EXAMPLES  examples per operation in the fuzzing phase (default 10; see README,
#                  Fuzzing, for what 100 costs on a 2-core machine)
#   FUZZ_ROLES     which demo logins, in order (default "leader mentor hr": HR last, as
#                  HR's writes change what the others may see)
#   FUZZ_COVERAGE_ROLES  the roles that also run the coverage phase (every boundary and
#                  wrong type of every parameter, ~2 minutes a role; default "hr")
#   FUZZ_SEED      the random seed (default: a new one each run, printed so it can be rerun)
#   FUZZ_ARGS      more arguments for `schemathesis run` (e.g. --include-path-regex tokens)
# Reports (JUnit XML, and a pytest file that reproduces each failure) go to
# test-artifacts/fuzz/<role>/; on failure the tail of the server log is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database the fuzzing may recreate}"
ensure_debian_packages redis-server

examples=${FUZZ_EXAMPLES:-10}
coverage_roles=" ${FUZZ_COVERAGE_ROLES:-hr} "
roles=${FUZZ_ROLES:-leader mentor hr}
seed=${FUZZ_SEED:-$(.venv/bin/python -c 'import secrets; print(secrets.randbelow(2**31))')}
started_at=$SECONDS
work=$(mktemp -d /tmp/lodestar-fuzz.XXXX)
reports=test-artifacts/fuzz
groups=()

start() {
  local name=$1
  shift
  setsid "$@" >"$work/$name.log" 2>&1 &
  groups+=("$!")
}

finish() {
  local status=$? pid
  trap - EXIT INT TERM
  for pid in "${groups[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${groups[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$status" -ne 0 ]; then
    echo "== schema fuzzing FAILED (exit $status, seed $seed); reports in $reports/" >&2
    for log in "$work"/*.log; do
      [ -e "$log" ] || continue
      echo "--- $(basename "$log") (last 40 lines)" >&2
      tail -n 40 "$log" >&2
    done
  else
    echo "== schema fuzzing passed in $((SECONDS - started_at)) s (seed $seed)"
  fi
  rm -rf "$work"
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT TERM

# Development settings with DEBUG off (as production answers errors), every email to files.
unset CELERY_BROKER_URL SENTRY_DSN EMAIL_URL
export DJANGO_SETTINGS_MODULE=config.settings.local
export DEBUG=false
export PYTHONUNBUFFERED=1
SECRET_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(64))')
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1
export EMAIL_FILE_PATH="$work/mail"
export LOG_FORMAT=text LOG_LEVEL=WARNING
# Rate limits would answer most of the fuzzer's requests with 429 (which the schema
# documents) and so hide what it is looking for: lifted for this run only.
export THROTTLE_SIGN_IN=100000/minute THROTTLE_WRITES=100000/minute THROTTLE_RATER_LINK=100000/minute
# The fuzzer learns the demo logins from responses and tries them with wrong passwords:
# the lockout would then refuse the fuzzing's own sign-in (each role signs in again after
# it revokes its token). Lifted for this run only, too.
export AXES_FAILURE_LIMIT=1000000
redis_port=$(free_port)
web_port=$(free_port)
export REDIS_URL="redis://127.0.0.1:$redis_port/0"
base="http://127.0.0.1:$web_port"

echo "== schema fuzzing: $DATABASE_URL, Redis :$redis_port, web :$web_port, seed $seed"
start redis redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no
.venv/bin/python scripts/prod_smoke.py createdb "$DATABASE_URL"
.venv/bin/python manage.py migrate --no-input -v 0 >>"$work/manage.log" 2>&1
.venv/bin/python manage.py seed_demo >>"$work/manage.log" 2>&1
echo "fuzz: migrated and seeded the demo ($((SECONDS - started_at)) s)"

# No request-line limit: gunicorn answers a query string over 4 KB with its own HTML 414
# before Lodestar sees the request; that is the web server's limit, not the API's.
start web .venv/bin/gunicorn config.wsgi --bind "127.0.0.1:$web_port" --workers 2 \
  --timeout 60 --graceful-timeout 5 --no-control-socket --limit-request-line 0
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
  sleep 0.2
done

rm -rf "$reports"
export SCHEMATHESIS_HOOKS=fuzz_hooks PYTHONPATH="scripts${PYTHONPATH:+:$PYTHONPATH}"
export FUZZ_BASE_URL="$base" FUZZ_PASSWORD=lodestar-demo
failed=()
for role in $roles; do
  export FUZZ_EMAIL="$role@example.com"
  role_started=$SECONDS
  phases=examples,fuzzing,stateful
  [[ $coverage_roles == *" $role "* ]] && phases=examples,coverage,fuzzing,stateful
  echo "== fuzz as $FUZZ_EMAIL: $examples examples per operation, phases $phases"
  # Every check but two, which judge what a request means rather than what the API
  # answers: positive_data_acceptance wants every schema-valid body accepted, but no
  # schema can say that a cohort id exists or a slug is still free (those are 400s);
  # negative_data_rejection wants every schema-violating input refused, but DRF and
  # django-filter read some leniently by design (a number for a text field, an empty
  # filter as no filter). README, Fuzzing.
  # shellcheck disable=SC2086  # FUZZ_ARGS is a list of arguments
  if .venv/bin/schemathesis run "$base/api/schema/" \
    --checks all --exclude-checks positive_data_acceptance,negative_data_rejection \
    --max-examples "$examples" --seed "$seed" --phases "$phases" \
    --workers 1 --request-timeout 60 --generation-database none --no-color \
    --report junit,pytest --report-dir "$reports/$role" ${FUZZ_ARGS:-}; then
    echo "fuzz: $role passed in $((SECONDS - role_started)) s"
  else
    echo "fuzz: $role FAILED in $((SECONDS - role_started)) s"
    failed+=("$role")
  fi
done
[ ${#failed[@]} -eq 0 ] || { echo "fuzz: failures as: ${failed[*]}" >&2; exit 1; }
