#!/usr/bin/env bash
# `make run`: install, migrate, load the demo, then run web + Celery worker + beat (console backend).
# Prints one banner; the processes' own output goes to files under $RUN_LOG_DIR (default logs/).
source "$(dirname "$0")/env.sh"
ensure_venv

export WHATSAPP_BACKEND="${WHATSAPP_BACKEND:-console}"
export PORT="${PORT:-8000}"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:$PORT}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gymsales}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
LOGS="${RUN_LOG_DIR:-$ROOT/logs}"
mkdir -p "$LOGS"
# The app needs PostgreSQL (its migrations and queues use row locks) and Redis (broker and cache).
port_open 127.0.0.1 5432 || [[ "$DATABASE_URL" != *127.0.0.1:5432* ]] ||
  { echo "PostgreSQL must be running at 127.0.0.1:5432 (or set DATABASE_URL)" >&2; exit 1; }
port_open 127.0.0.1 6379 || [[ "$REDIS_URL" != *127.0.0.1:6379* ]] ||
  { echo "Redis must be running at 127.0.0.1:6379 (or set REDIS_URL)" >&2; exit 1; }
ensure_database
echo "Migrating and loading the demo (log: $LOGS/setup.log)..."
.venv/bin/python manage.py migrate --noinput >"$LOGS/setup.log" 2>&1 &&
  .venv/bin/python manage.py seed_demo --no-color >"$LOGS/demo.txt" 2>>"$LOGS/setup.log" ||
  { tail -n 30 "$LOGS/setup.log" >&2; exit 1; }

pids=()
cleanup() {  # the three processes and their children (the web server's workers)
  for pid in "${pids[@]}"; do pkill -TERM -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
  wait
}
trap cleanup EXIT
stopping=""
trap 'stopping=1' INT TERM
# One worker on both queues: a campaign (queue `campaigns`) takes one process, 1:1 sends the others.
.venv/bin/celery -A gymsales worker -Q celery,campaigns --loglevel=INFO --concurrency=3 \
  >"$LOGS/worker.log" 2>&1 & pids+=($!)
.venv/bin/celery -A gymsales beat --loglevel=INFO --schedule "$LOGS/celerybeat-schedule" \
  >"$LOGS/beat.log" 2>&1 & pids+=($!)
# The production web server (gymsales/serve.py: granian), on this machine only.
.venv/bin/python -m gymsales.serve --host 127.0.0.1 --port "$PORT" --access-log \
  >"$LOGS/web.log" 2>&1 & pids+=($!)
until port_open 127.0.0.1 "$PORT"; do
  kill -0 "${pids[2]}" 2>/dev/null || { tail -n 30 "$LOGS/web.log" >&2; exit 1; }
  sleep 0.3
done

cat <<BANNER

  GymSales WhatsApp is running at http://127.0.0.1:$PORT/   (Ctrl-C stops everything)

$(sed 's/^/  /' "$LOGS/demo.txt")
  API: http://127.0.0.1:$PORT/api/v1/docs/   WhatsApp backend: $WHATSAPP_BACKEND

  Logs: $LOGS/{web,worker,beat,setup}.log   (tail -f $LOGS/*.log)

BANNER
# Stop everything as soon as one of the three stops.
wait -n "${pids[@]}" || true
[ -n "$stopping" ] && exit 0
echo "A process stopped; see the logs in $LOGS." >&2
exit 1
