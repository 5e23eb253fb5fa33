"""`make run` (manage.py devserver --setup) on a busy port stops before it starts
anything, with a hint naming the next port; commands print no library banner."""

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(args, tmp_path, **extra_env):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "REDIS_URL": "",
        "CELERY_BROKER_DIR": str(tmp_path / "broker"),
        **extra_env,
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_busy_port_stops_make_run_before_migrating(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = _run(["devserver", "--setup", f"127.0.0.1:{port}"], tmp_path)

    assert result.returncode != 0
    assert f"port {port} is busy: make run PORT={port + 1}" in result.stderr
    # Nothing started: no database was created, no worker or beat was spawned.
    assert not (tmp_path / "fresh.sqlite3").exists()
    assert not (tmp_path / "broker").exists()
    assert "celery" not in result.stdout + result.stderr


def test_management_commands_print_no_lockout_banner(tmp_path):
    result = _run(["check"], tmp_path)

    assert result.returncode == 0, result.stderr
    assert "AXES" not in result.stdout + result.stderr
