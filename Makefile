.PHONY: run test lint bench
# Start the whole app with demo data: web + Celery worker + beat, console WhatsApp backend.
run:
	./scripts/run.sh
# Install everything and run the whole test suite (lint, migrations check, pytest) on PostgreSQL and Redis.
test:
	./scripts/test.sh
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
