#!/usr/bin/env bash
# Schema fuzzing (make fuzz; .ci/run runs it): Schemathesis against the live app on
# PostgreSQL, signed in as a leader, a mentor and HR in turn, every operation of
# /api/schema/ (writes included), every check but positive_data_acceptance, the stateful
# phase too. Any server error (5xx), any answer the schema does not describe (status,
# content type, body) and any schema-violating input accepted fails it.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5433/lodestar_fuzz scripts/fuzz.sh
#
# The database in DATABASE_URL is dropped and created afresh, migrated and seeded with the
# demo (seed_demo); the app runs under gunicorn with a throwaway Redis. For each role, the
# operations it may call get FUZZ_EXAMPLES examples each, split across FUZZ_PROCESSES
# Schemathesis processes; then the stateful phase runs over them, and the operations the
# role is denied (403 for it in the permission matrix, scripts/fuzz_scope.py) get
# FUZZ_DENIED_EXAMPLES each. Knobs:
#   FUZZ_EXAMPLES  examples per operation (default 100)
#   FUZZ_DENIED_EXAMPLES  examples per operation the role is denied (default 10)
#   FUZZ_PROCESSES Schemathesis processes at once (default 2, this machine's cores)
#   FUZZ_ROLES     which demo logins, in order (default "leader mentor hr": HR last, as
#                  HR's writes change what the others may see)
#   FUZZ_COVERAGE_ROLES  the roles that also run the coverage phase (every boundary and
#                  wrong type of every parameter; default "hr")
#   FUZZ_SEED      the random seed (default: a new one each run, printed so it can be rerun)
#   FUZZ_ARGS      more arguments for `schemathesis run` (e.g. --include-path-regex tokens)
# Reports (each process's output, JUnit XML, and a pytest file that reproduces each
# failure) go to test-artifacts/fuzz/<role>/<process>/; on failure the tail of the server
# log is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database the fuzzing may recreate}"
ensure_debian_packages redis-server

examples=${FUZZ_EXAMPLES:-100}
denied_examples=${FUZZ_DENIED_EXAMPLES:-10}
shards=${FUZZ_PROCESSES:-2}
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
  for pid in $(jobs -p); do kill -TERM "$pid" 2>/dev/null || true; done
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
curl -fsS -o "$work/schema.json" "$base/api/schema/?format=json"

# One Schemathesis process: its name, then its arguments. Every check but one, which
# judges what a request means rather than what the API answers: positive_data_acceptance
# wants every schema-valid body accepted, but no schema can say that a cohort id exists
# or a slug is still free (those are 400s). README, Fuzzing.
passes=()
fuzz() {
  local name=$1
  shift
  mkdir -p "$reports/$role/$name"
  # shellcheck disable=SC2086  # FUZZ_ARGS is a list of arguments
  .venv/bin/schemathesis run "$base/api/schema/" \
    --checks all --exclude-checks "${FUZZ_EXCLUDE_CHECKS-positive_data_acceptance}" \
    --seed "$seed" --workers 1 --request-timeout 60 --generation-database none --no-color \
    --report junit,pytest --report-dir "$reports/$role/$name" "$@" ${FUZZ_ARGS:-} \
    >"$reports/$role/$name/output.txt" 2>&1 &
  passes+=("$name:$!")
}
# Wait for the processes started; print each one's summary (all of it if it failed).
settle() {
  local pass name pid status=0
  for pass in "${passes[@]}"; do
    name=${pass%%:*}
    pid=${pass##*:}
    if wait "$pid"; then
      echo "fuzz: $role/$name passed: $(grep -E '^=+ .* in [0-9.]+s =+$' "$reports/$role/$name/output.txt" | tr -d '=')"
    else
      status=1
      echo "fuzz: $role/$name FAILED; its output ($reports/$role/$name/output.txt):"
      sed -n '/^=* FAILURES =*$/,$p' "$reports/$role/$name/output.txt"
    fi
  done
  passes=()
  return "$status"
}

failed=()
for role in $roles; do
  export FUZZ_EMAIL="$role@example.com"
  role_started=$SECONDS
  phases=examples,fuzzing
  [[ $coverage_roles == *" $role "* ]] && phases=examples,coverage,fuzzing
  # The operations the role may call, in $shards processes at once (the machine's cores),
  # then the stateful phase over all of them and the denied ones (scripts/fuzz_scope.py).
  .venv/bin/python scripts/fuzz_scope.py "$work/schema.json" "$role" "$shards" >"$work/scope"
  echo "== fuzz as $FUZZ_EMAIL: $examples examples per operation ($phases) on" \
    "$(grep -vc '^denied' "$work/scope") operations in $shards processes, the stateful" \
    "phase, and $denied_examples each on the $(grep -c '^denied' "$work/scope") it is denied"
  status=0
  for shard in $(seq 0 $((shards - 1))); do
    mapfile -t names < <(awk -F'\t' -v s="$shard" '$1 == s {print "--include-name"; print $2}' "$work/scope")
    fuzz "shard-$shard" --phases "$phases" --max-examples "$examples" "${names[@]}"
  done
  settle || status=1
  mapfile -t names < <(awk -F'\t' '$1 != "denied" {print "--include-name"; print $2}' "$work/scope")
  fuzz stateful --phases stateful --max-examples "$examples" "${names[@]}"
  mapfile -t names < <(awk -F'\t' '$1 == "denied" {print "--include-name"; print $2}' "$work/scope")
  [ ${#names[@]} -eq 0 ] ||
    fuzz denied --phases fuzzing --max-examples "$denied_examples" "${names[@]}"
  settle || status=1
  if [ "$status" -eq 0 ]; then
    echo "fuzz: $role passed in $((SECONDS - role_started)) s"
  else
    echo "fuzz: $role FAILED in $((SECONDS - role_started)) s"
    failed+=("$role")
  fi
done
[ ${#failed[@]} -eq 0 ] || { echo "fuzz: failures as: ${failed[*]}" >&2; exit 1; }
