"""`make run`: one banner (URL, log-ins, where the logs are) and nothing more on the terminal, while
web, worker and beat write to their log files; Ctrl-C stops all of them."""

import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest
import requests
from django.conf import settings

from tests.waits import wait_for

pytestmark = pytest.mark.worker
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def run_env(tmp_path):
    db = settings.DATABASES["default"]
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    # Its own database (not the test database), its own broker keys (not this test run's).
    database_url = (
        f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
        f"{db['NAME'].removeprefix('test_')}_makerun"
    )
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_KEYPREFIX": f"makerun-{os.getpid()}:",
        "RUN_LOG_DIR": str(tmp_path / "logs"),
        "PORT": str(free_port()),
    }


def test_make_run_prints_one_banner_and_logs_to_files(run_env):
    logs = Path(run_env["RUN_LOG_DIR"])
    port = run_env["PORT"]
    out = logs.parent / "terminal.txt"
    with out.open("w") as terminal:
        proc = subprocess.Popen(
            ["make", "run"],
            cwd=ROOT,
            env=run_env,
            stdout=terminal,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        assert wait_for(lambda: "Logs:" in out.read_text() or proc.poll() is not None, 300)
        banner = out.read_text()
        assert f"http://127.0.0.1:{port}/" in banner, banner
        for email in ("admin@demo.gymsales.test", "sales@demo.gymsales.test"):
            assert email in banner
        assert f"{logs}/" in banner
        assert (
            requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=30).status_code == 200
        )

        # Beat sends its first due task after ~10 s and the worker runs it: both only in their logs.
        worker_log = logs / "worker.log"
        assert wait_for(lambda: "succeeded" in worker_log.read_text(), 120)
        assert "Sending due task" in (logs / "beat.log").read_text()
        assert "GET /accounts/login/" in (logs / "web.log").read_text()
        assert out.read_text() == banner
        assert "INFO" not in banner
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C
        proc.wait(timeout=60)
    assert wait_for(lambda: not group_alive(proc.pid), 60)
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", int(port))) != 0
