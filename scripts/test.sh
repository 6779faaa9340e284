#!/usr/bin/env bash
# `make test`: install everything, then lint and run the whole suite on PostgreSQL and Redis.
source "$(dirname "$0")/env.sh"
ensure_venv

if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's Chromium for the browser tests..."
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
if [ -x "$ROOT/../shared/tools/twilio-twin/start.sh" ] && [ ! -d "$ROOT/../shared/tools/twilio-twin/node_modules" ]; then
  echo "Installing the Twilio twin (Prism)..."
  (cd "$ROOT/../shared/tools/twilio-twin" && npm ci --no-audit --no-fund --loglevel=error)
fi
port_open 127.0.0.1 5432 || { echo "PostgreSQL must be running at 127.0.0.1:5432" >&2; exit 1; }
port_open 127.0.0.1 6379 || { echo "Redis must be running at 127.0.0.1:6379" >&2; exit 1; }

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gymsales}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/9}"
export TEST_ARTIFACTS="${TEST_ARTIFACTS:-$ROOT/test-artifacts}"

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== migrations are committed"
.venv/bin/python manage.py makemigrations --check --dry-run
echo "== pytest (screenshots of key pages go to $TEST_ARTIFACTS)"
.venv/bin/pytest --create-db -p no:cacheprovider "$@"
echo "Screenshots of key pages: $TEST_ARTIFACTS"
