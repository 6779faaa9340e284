#!/usr/bin/env bash
# `make run`: install, migrate, load the demo, then run web + Celery worker + beat (console backend).
source "$(dirname "$0")/env.sh"
ensure_venv

export WHATSAPP_BACKEND="${WHATSAPP_BACKEND:-console}"
export PORT="${PORT:-8000}"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:$PORT}"
# GYMSALES_FALLBACK=1 treats PostgreSQL and Redis as absent (to try the SQLite + inline set-up).
services_up() { [ "${GYMSALES_FALLBACK:-0}" != 1 ] && port_open 127.0.0.1 "$1"; }
if [ -z "${DATABASE_URL:-}" ]; then
  if services_up 5432; then
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/gymsales"
  else
    echo "PostgreSQL is not at 127.0.0.1:5432: using SQLite (db.sqlite3)."
    export DATABASE_URL="sqlite:///$ROOT/db.sqlite3"
  fi
fi
if ! services_up 6379; then
  echo "Redis is not at 127.0.0.1:6379: tasks run inline, no worker or beat."
  export CELERY_TASK_ALWAYS_EAGER=true USE_REDIS=false
fi
ensure_database
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
if [ "${CELERY_TASK_ALWAYS_EAGER:-false}" != true ]; then
  .venv/bin/celery -A gymsales worker --loglevel=INFO --concurrency=2 & pids+=($!)
  .venv/bin/celery -A gymsales beat --loglevel=INFO --schedule "$ROOT/.celerybeat-schedule" & pids+=($!)
fi
echo
echo "GymSales WhatsApp is starting at http://127.0.0.1:$PORT/  (log-ins printed above; Ctrl-C stops everything)"
.venv/bin/python manage.py runserver "127.0.0.1:$PORT"
