#!/usr/bin/env bash
# make run: migrate, seed, then web + Celery worker + Celery beat (+ Redis if none answers)
# in the foreground under honcho; Ctrl-C stops every one of them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
PORT=${PORT:-8000}
mkdir -p var/mail

procfile=var/Procfile
: >"$procfile"
if ! redis_answers "$REDIS_URL"; then
  ensure_debian_packages redis-server
  redis_port=$(.venv/bin/python -c 'import os,urllib.parse as u; print(u.urlsplit(os.environ["REDIS_URL"]).port or 6379)')
  echo "redis: exec redis-server --port $redis_port --bind 127.0.0.1 --save '' --appendonly no" >>"$procfile"
fi

# OIDC_DEMO=1: a local OpenID provider (scripts/oidc_demo/provider.mjs) beside the app, and
# single sign-on pointed at it, so the login page offers "Sign in with Lodestar Demo SSO".
sso_banner=""
if [ "${OIDC_DEMO:-0}" = "1" ]; then
  command -v node >/dev/null || ensure_debian_packages nodejs
  export OIDC_DEMO_PORT=${OIDC_DEMO_PORT:-8001}
  export OIDC_DEMO_CLIENT_ID=lodestar-demo
  export OIDC_DEMO_CLIENT_SECRET=lodestar-demo-secret
  export OIDC_DEMO_REDIRECT_URIS="http://127.0.0.1:$PORT/sso/callback/,http://localhost:$PORT/sso/callback/"
  export OIDC_ISSUER="http://127.0.0.1:$OIDC_DEMO_PORT"
  export OIDC_CLIENT_ID=$OIDC_DEMO_CLIENT_ID
  export OIDC_CLIENT_SECRET=$OIDC_DEMO_CLIENT_SECRET
  export OIDC_ALLOWED_DOMAINS=${OIDC_ALLOWED_DOMAINS:-example.com}
  export OIDC_PROVIDER_NAME="Lodestar Demo SSO"
  echo "oidc: exec node scripts/oidc_demo/provider.mjs $OIDC_DEMO_PORT" >>"$procfile"
  sso_banner="
  Single sign-on: \"Sign in with Lodestar Demo SSO\" on the login page leads to the demo
    provider at $OIDC_ISSUER: type mentor@example.com and any password to land on
    My mentees (any @example.com login without an account is refused)."
fi

.venv/bin/python manage.py migrate --no-input
.venv/bin/python manage.py collectstatic --no-input -v 0
.venv/bin/python manage.py seed_demo

cat >>"$procfile" <<PROCS
web: exec .venv/bin/python manage.py runserver 127.0.0.1:$PORT --noreload
worker: exec .venv/bin/celery -A config worker --loglevel=INFO --concurrency=2
beat: exec .venv/bin/celery -A config beat --loglevel=INFO
PROCS

cat <<MSG

  Lodestar is starting on http://127.0.0.1:$PORT  (API docs: /api/docs/, admin: /admin/)
  Demo logins, password lodestar-demo:
    hr@example.com       HR
    mentor@example.com   Mentor
    leader@example.com   Leader
  Emails sent by the demo are written to var/mail/. Ctrl-C stops everything.$sso_banner

MSG
exec .venv/bin/honcho -f "$procfile" start
