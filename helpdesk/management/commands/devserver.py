"""`manage.py devserver`: runserver plus a Celery worker and beat, for `make run`.

Without REDIS_URL the worker and beat use the embedded broker (kombu's filesystem
transport under .celery-broker/), so snooze wake-ups, SLA sweeps and notifications
really run on schedule on a fresh machine with no Redis. Ctrl-C stops all three.
"""

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the site with runserver, plus a Celery worker and beat."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--noreload", action="store_true", help="Do not auto-reload runserver."
        )

    def handle(self, *args, addrport: str, noreload: bool, **options):
        state_dir = getattr(
            settings, "CELERY_BROKER_DIR", settings.BASE_DIR / ".celery-broker"
        )
        state_dir.mkdir(parents=True, exist_ok=True)
        celery = [sys.executable, "-m", "celery", "-A", "helpdesk"]
        commands = {
            "worker": [
                *celery,
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
            ],
            "beat": [
                *celery,
                "beat",
                "--loglevel=INFO",
                "-s",
                str(state_dir / "beat-schedule"),
            ],
            "web": [
                sys.executable,
                "manage.py",
                "runserver",
                addrport,
                *(["--noreload"] if noreload else []),
            ],
        }
        broker = "Redis" if settings.REDIS_URL else "the embedded broker (no Redis)"
        self.stdout.write(f"Starting web, worker and beat; jobs use {broker}.")
        procs = {
            name: subprocess.Popen(argv, cwd=settings.BASE_DIR)  # noqa: S603
            for name, argv in commands.items()
        }

        def stop(*_args):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        try:
            while True:
                for name, proc in procs.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with {proc.returncode}.")
                        raise KeyboardInterrupt
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.terminate()
            for proc in procs.values():
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
