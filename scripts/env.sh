# Sourced by the set-up scripts: pick a Python 3.11-3.13 interpreter and build the virtualenv.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# A local .env (per checkout) wins over the defaults below, as it does for Django.
if [ -f .env ]; then set -a; . ./.env; set +a; fi

pick_python() {
  for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] <= (3, 13)))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "No Python 3.11-3.13 found; set PYTHON=/path/to/python3.11" >&2; return 1
}

ensure_venv() {
  if [ ! -x .venv/bin/python ]; then
    "$(pick_python)" -m venv .venv
  fi
  # Reinstall only when pyproject.toml changed since the last install.
  local stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
  if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[dev]"
    rm -f .venv/.installed-*; touch "$stamp"
  fi
}

port_open() {  # port_open HOST PORT
  .venv/bin/python - "$1" "$2" <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(1)
sys.exit(s.connect_ex((sys.argv[1], int(sys.argv[2]))))
PY
}

ensure_database() {  # create the database named in DATABASE_URL when it is PostgreSQL and missing
  .venv/bin/python - <<'PY'
import environ, psycopg
url = environ.Env().db_url_config(__import__("os").environ["DATABASE_URL"])
if "postgresql" in url["ENGINE"]:
    dsn = dict(host=url["HOST"] or "127.0.0.1", port=url["PORT"] or 5432, user=url["USER"], password=url["PASSWORD"] or None, dbname="postgres")
    with psycopg.connect(**dsn, autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname=%s", [url["NAME"]]).fetchone():
            conn.execute(f'create database "{url["NAME"]}"')
PY
}
