"""The production web server: `python -m gymsales.serve` runs granian serving the WSGI application
`gymsales.wsgi:application`, WEB_WORKERS processes (default 2) of WEB_THREADS threads (default 32)
each, on WEB_HOST:PORT (0.0.0.0:8000). Options given after it (or GRANIAN_* variables) override
these: `python -m gymsales.serve --access-log`, `--host 127.0.0.1 --port 9000`.

Why granian, and why many threads: Twilio's webhooks are the one endpoint whose volume someone else
sets, and each must be committed before its 200. A process stores the webhooks of all its requests
in flight with one INSERT and one commit (whatsapp.webhook_writer), so the more requests it holds
at once, the fewer commits; and granian's HTTP handling (Rust) costs a fraction of gunicorn's.
Side by side on this project's 2-core machine (bench/webhook_ingest.py, 64 connections), signed
callbacks stored: gunicorn gthread 2x8 1,137/s, gthread 2x32 987/s, granian 2x8 1,617/s, granian
2x32 2,024-2,791/s. Each thread may hold a database connection (CONN_MAX_AGE) while it serves pages:
WEB_WORKERS x WEB_THREADS must stay well under PostgreSQL's max_connections (100 by default) less
the workers'; the webhook short path keeps none.
"""

from __future__ import annotations

import os
import sys

APPLICATION = "gymsales.wsgi:application"


def arguments() -> list[str]:
    """granian's command-line options for production (from the environment)."""
    return [
        "--interface",
        "wsgi",
        "--host",
        os.environ.get("WEB_HOST", "0.0.0.0"),  # noqa: S104 (a server: all interfaces, as gunicorn's bind)
        "--port",
        os.environ.get("PORT", "8000"),
        "--workers",
        os.environ.get("WEB_WORKERS", "2"),
        "--blocking-threads",
        os.environ.get("WEB_THREADS", "32"),
        "--no-ws",
        "--respawn-failed-workers",
    ]


def main(extra: list[str]) -> None:
    """Replace this process with granian (later options win over earlier ones)."""
    command = [sys.executable, "-m", "granian", *arguments(), *extra, APPLICATION]
    os.execv(sys.executable, command)  # noqa: S606 (our own interpreter, fixed arguments)


if __name__ == "__main__":
    main(sys.argv[1:])
