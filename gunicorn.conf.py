"""Production gunicorn settings (read automatically by `gunicorn` run from the checkout, and by
docker-compose's `web`). Override any of them with GUNICORN_* environment variables.

gthread workers: each process serves several requests at once, so the Twilio webhooks of
concurrent requests are stored with ONE commit (whatsapp.webhook_writer, group commit) instead of
one fsync each; threads also keep HTTP connections alive. Measured side by side with
bench/webhook_ingest.py (see its output): gthread 2x8 stores 2-3x more signed callbacks per second
than 2 sync workers on the same machine.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
