#!/usr/bin/env bash
# `make test`: install everything, then lint and run the whole suite on PostgreSQL and Redis.
source "$(dirname "$0")/env.sh"
ensure_venv

apt_install() {  # apt_install PACKAGE... (Debian/Ubuntu)
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's Chromium for the browser tests..."
  apt_install chromium
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "Installing Debian's Node.js and npm for the Twilio twin..."
  apt_install nodejs npm
fi
if [ ! -x tests/twin/node_modules/.bin/prism ]; then
  echo "Installing the Twilio twin (Prism, pinned by tests/twin/package-lock.json)..."
  (cd tests/twin && npm ci --no-audit --no-fund --loglevel=error)
fi
port_open 127.0.0.1 5432 || { echo "PostgreSQL must be running at 127.0.0.1:5432" >&2; exit 1; }
port_open 127.0.0.1 6379 || { echo "Redis must be running at 127.0.0.1:6379" >&2; exit 1; }

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gymsales}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/9}"
export TESTS_FAIL_ON_SKIP=1  # every test runs; a skip fails the run
export TEST_ARTIFACTS="${TEST_ARTIFACTS:-$ROOT/test-artifacts}"

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== import contracts (layers, no cycles: pyproject.toml [tool.importlinter])"
.venv/bin/lint-imports --no-cache
echo "== migrations are committed"
.venv/bin/python manage.py makemigrations --check --dry-run
echo "== pytest (screenshots of key pages go to $TEST_ARTIFACTS)"
.venv/bin/pytest --create-db -p no:cacheprovider "$@"
echo "Screenshots of key pages: $TEST_ARTIFACTS"
