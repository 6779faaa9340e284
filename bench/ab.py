"""Run one benchmark on an earlier revision and on this checkout, alternately, in one run.

    .venv/bin/python bench/ab.py --base fdfd251 [--rounds 2] -- bench/send_pipeline.py --messages 2000

A refactoring must not make the code slower, and this machine is shared and noisy: figures taken
at different times can't be compared. So the base revision is checked out beside this one (a
detached git worktree sharing this virtualenv), and the benchmark runs base, this checkout, base,
this checkout… each on its own bench database (`DATABASE_URL` + `_ab_base` / `_ab_head`, since the
two may have different migrations). Everything each run prints is shown, labelled.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common


def _worktree(base: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix="gymsales-ab-"))
    subprocess.run(
        ["git", "worktree", "add", "--detach", "-q", str(path), base], cwd=common.ROOT, check=True
    )
    (path / ".venv").symlink_to(common.ROOT / ".venv")
    if (common.ROOT / ".env").exists():
        (path / ".env").write_text((common.ROOT / ".env").read_text())
    return path


def _run(checkout: Path, label: str, command: list[str]) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    db = common.bench_environment()["DATABASE_URL"].removesuffix("_bench")
    env["DATABASE_URL"] = f"{db}_ab_{label}"
    env.setdefault("SECRETS_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    result = subprocess.run(
        [str(common.VENV_BIN / "python"), *command],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.stderr.write(result.stdout[-2000:] + result.stderr[-4000:])
        raise SystemExit(f"{label}: the benchmark failed (exit {result.returncode})")
    return [line for line in result.stdout.splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the revision to compare with (e.g. a sha)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- bench/<script>.py [options]")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the benchmark to run after --")
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=common.ROOT, capture_output=True, text=True
    ).stdout.strip()
    base_dir = _worktree(args.base)
    try:
        for round_ in range(1, args.rounds + 1):
            for label, checkout, rev in (
                ("base", base_dir, args.base),
                ("head", common.ROOT, head),
            ):
                print(f"== round {round_}, {label} ({rev}): {' '.join(command)}", flush=True)
                for line in _run(checkout, label, command):
                    print(f"   {line}", flush=True)
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(base_dir)], cwd=common.ROOT, check=False
        )
    print(
        f"command: .venv/bin/python bench/ab.py --base {args.base} --rounds {args.rounds} -- "
        + " ".join(command)
    )


if __name__ == "__main__":
    main()
