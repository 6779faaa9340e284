#!/usr/bin/env bash
# Start a local Twilio-API twin: Stoplight Prism in mock mode, driven by
# Twilio's own OpenAPI description (twilio/twilio-oai, copied into
# tests/twin/openapi/).  Runs it in the background, waits until it
# answers HTTP, and prints its PID as the last line on stdout.
#
# Usage: start.sh [PORT] [SPEC ...]
#   PORT   TCP port on 127.0.0.1 (default: $TWIN_PORT or 4010)
#   SPEC   spec names in openapi/ (beside this script), without ".json"
#          (default: twilio_api_v2010).  Give several, e.g.
#            start.sh 4010 twilio_api_v2010 twilio_content_v1 twilio_messaging_v1
#          and they are merged into one document (their paths and schema
#          names do not overlap), so ONE Prism serves api.twilio.com,
#          content.twilio.com and messaging.twilio.com paths together.
#
# Environment (all optional):
#   TWIN_HOST=127.0.0.1   address to bind
#   TWIN_DYNAMIC=1        --dynamic: bodies generated from the schemas
#                         (json-schema-faker) instead of the spec's examples
#   TWIN_SEED=abc         --seed for deterministic dynamic bodies
#   TWIN_ERRORS=1         --errors: response-side violations become errors
#   TWIN_LOG_LEVEL=info   Prism log level (info logs ~6 lines per request;
#                         warn/error keep the log small in long runs)
#   TWIN_LOG=FILE         Prism's log (default: ${TMPDIR:-/tmp}/twilio-twin-PORT.log)
#   TWIN_TIMEOUT=60       seconds to wait for the server to answer
#   TWIN_SPEC_DIR=DIR     where the spec JSON files are (default: openapi/ here)
#
# Stop it with: kill PID   (Prism exits within ~1-2 s of SIGTERM)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PORT="${1:-${TWIN_PORT:-4010}}"
shift || true
SPECS=("$@")
[ ${#SPECS[@]} -eq 0 ] && SPECS=(twilio_api_v2010)

HOST="${TWIN_HOST:-127.0.0.1}"
TIMEOUT="${TWIN_TIMEOUT:-60}"
LOG="${TWIN_LOG:-${TMPDIR:-/tmp}/twilio-twin-${PORT}.log}"

say() { echo "twilio-twin: $*" >&2; }

# --- locate the spec directory --------------------------------------------
SPEC_DIR="${TWIN_SPEC_DIR:-$HERE/openapi}"
if [ ! -d "$SPEC_DIR" ]; then
  say "spec directory not found (set TWIN_SPEC_DIR)"; exit 2
fi
for s in "${SPECS[@]}"; do
  [ -f "$SPEC_DIR/$s.json" ] || { say "no such spec: $SPEC_DIR/$s.json"; exit 2; }
done

# --- make sure Prism is installed (pinned in package-lock.json) -----------
PRISM="$HERE/node_modules/.bin/prism"
if [ ! -x "$PRISM" ]; then
  command -v npm >/dev/null || { say "npm not found; install nodejs+npm"; exit 2; }
  say "installing Prism (npm ci) ..."
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi

# --- pick / build the document ----------------------------------------------
if [ ${#SPECS[@]} -eq 1 ]; then
  DOC="$SPEC_DIR/${SPECS[0]}.json"
else
  DOC="${TMPDIR:-/tmp}/twilio-twin-${PORT}-merged.json"
  python3 - "$DOC" "${SPECS[@]/#/$SPEC_DIR/}" <<'PY'
import json, sys
out, srcs = sys.argv[1], [p + ".json" for p in sys.argv[2:]]
merged = None
for src in srcs:
    with open(src, encoding="utf-8") as fh:
        doc = json.load(fh)
    if merged is None:
        merged = doc
        merged["info"] = dict(doc["info"], title="Twilio twin (merged: %s)" % ", ".join(s.rsplit("/", 1)[-1] for s in srcs))
        continue
    for path, item in doc["paths"].items():
        if path in merged["paths"]:
            sys.exit("path collision while merging: %s" % path)
        merged["paths"][path] = item
    for section, entries in doc.get("components", {}).items():
        target = merged.setdefault("components", {}).setdefault(section, {})
        for name, value in entries.items():
            if name in target and target[name] != value:
                sys.exit("component collision while merging: %s/%s" % (section, name))
            target[name] = value
    for tag in doc.get("tags", []):
        if tag not in merged.setdefault("tags", []):
            merged["tags"].append(tag)
with open(out, "w", encoding="utf-8") as fh:
    json.dump(merged, fh)
PY
fi

# --- refuse a port that is already answering --------------------------------
probe() {  # exit 0 when something answers HTTP on the port
  if command -v curl >/dev/null; then
    curl -s -o /dev/null --max-time 2 "http://$HOST:$PORT/"
  else
    python3 -c "import socket,sys; s=socket.socket(); s.settimeout(2); sys.exit(s.connect_ex(('$HOST', $PORT)))"
  fi
}
if probe; then say "port $PORT on $HOST is already in use"; exit 3; fi

# --- start -----------------------------------------------------------------
ARGS=(mock --host "$HOST" --port "$PORT")
[ "${TWIN_DYNAMIC:-0}" = 1 ] && ARGS+=(--dynamic)
[ -n "${TWIN_SEED:-}" ] && ARGS+=(--seed "$TWIN_SEED")
[ "${TWIN_ERRORS:-0}" = 1 ] && ARGS+=(--errors)
ARGS+=(--verboseLevel "${TWIN_LOG_LEVEL:-info}")
ARGS+=("$DOC")

: >"$LOG"
nohup "$PRISM" "${ARGS[@]}" >>"$LOG" 2>&1 </dev/null &
PID=$!
say "prism pid $PID, log $LOG, document $DOC"

deadline=$(( $(date +%s) + TIMEOUT ))
until probe; do
  if ! kill -0 "$PID" 2>/dev/null; then
    say "prism exited before answering; last log lines:"; tail -n 20 "$LOG" >&2; exit 1
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    say "prism did not answer within ${TIMEOUT}s; stopping it"; kill "$PID" 2>/dev/null || true
    tail -n 20 "$LOG" >&2; exit 1
  fi
  sleep 0.2
done
say "ready at http://$HOST:$PORT"
echo "$PID"
