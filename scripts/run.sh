#!/usr/bin/env bash
# `make run`: install, migrate, load the demo, then run web + Celery worker + beat (console backend).
source "$(dirname "$0")/env.sh"
ensure_venv

export WHATSAPP_BACKEND="${WHATSAPP_BACKEND:-console}"
export PORT="${PORT:-8000}"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:$PORT}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gymsales}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
# The app needs PostgreSQL (its migrations and queues use row locks) and Redis (broker and cache).
port_open 127.0.0.1 5432 || [[ "$DATABASE_URL" != *127.0.0.1:5432* ]] ||
  { echo "PostgreSQL must be running at 127.0.0.1:5432 (or set DATABASE_URL)" >&2; exit 1; }
port_open 127.0.0.1 6379 || [[ "$REDIS_URL" != *127.0.0.1:6379* ]] ||
  { echo "Redis must be running at 127.0.0.1:6379 (or set REDIS_URL)" >&2; exit 1; }
ensure_database
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
.venv/bin/celery -A gymsales worker --loglevel=INFO --concurrency=2 & pids+=($!)
.venv/bin/celery -A gymsales beat --loglevel=INFO --schedule "$ROOT/.celerybeat-schedule" & pids+=($!)
echo
echo "GymSales WhatsApp is starting at http://127.0.0.1:$PORT/  (log-ins printed above; Ctrl-C stops everything)"
.venv/bin/python manage.py runserver "127.0.0.1:$PORT"
