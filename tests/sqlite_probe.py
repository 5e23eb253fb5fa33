"""Running code against the embedded default (a fresh SQLite file) in a separate
process, whatever database the suite itself runs on.

A probe script calls `start()` first (Django set up on the file, migrated), then
`at_once(threads, work)` to run `work` on that many threads released together, and
prints one JSON line. A test runs it with `run(script, tmp_path, threads)`.
"""

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start(db_path: str) -> None:
    """Set Django up on a new SQLite file (no Redis) and migrate it."""
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def at_once(threads: int, work: Callable[[], None]) -> list[str]:
    """Run `work` on `threads` threads started together; the errors they raised."""
    from django.db import connection

    connection.close()
    barrier = threading.Barrier(threads)
    errors, lock = [], threading.Lock()

    def run() -> None:
        barrier.wait()
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - every error is a finding
            with lock:
                errors.append(repr(exc))
        finally:
            connection.close()

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return errors


def run(script: Path, tmp_path: Path, threads: int) -> dict:
    """Run a probe script on a fresh file; its JSON report (fails on a crash)."""
    result = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(script), str(tmp_path / "probe.sqlite3"), str(threads)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
