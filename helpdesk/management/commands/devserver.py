"""`manage.py devserver`: runserver plus a Celery worker and beat, for `make run`.

Without REDIS_URL the worker and beat use the embedded broker (kombu's filesystem
transport under .celery-broker/), so snooze wake-ups, SLA sweeps and notifications
really run on schedule on a fresh machine with no Redis. Ctrl-C stops all three.
"""

import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve the site with runserver, plus a Celery worker and beat."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--noreload", action="store_true", help="Do not auto-reload runserver."
        )
        parser.add_argument(
            "--setup",
            action="store_true",
            help="Migrate and seed the demo first (what `make run` does).",
        )

    def handle(self, *args, addrport: str, noreload: bool, setup: bool, **options):
        host, _, port = addrport.rpartition(":")
        host = host or "127.0.0.1"
        # Checked before anything starts: a busy port used to start a second worker
        # and beat on the same broker and bury runserver's error in their banners.
        ensure_port_free(host, int(port))
        if setup:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("seed_demo")
        commands = _commands(addrport, noreload)
        broker = "Redis" if settings.REDIS_URL else "the embedded broker (no Redis)"
        self.stdout.write(f"Starting web, worker and beat; jobs use {broker}.")
        self.stdout.write(self.style.SUCCESS(f"Helpdesk: http://{host}:{port}/"))
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


def _commands(addrport: str, noreload: bool) -> dict[str, list[str]]:
    """The three processes' command lines."""
    state_dir = getattr(
        settings, "CELERY_BROKER_DIR", settings.BASE_DIR / ".celery-broker"
    )
    state_dir.mkdir(parents=True, exist_ok=True)
    celery = [sys.executable, "-m", "celery", "-A", "helpdesk"]
    return {
        "worker": [
            *celery,
            "worker",
            # Warnings and errors only: an idle product writes nothing.
            "--loglevel=WARNING",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
        ],
        "beat": [
            *celery,
            "beat",
            "--loglevel=WARNING",
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


def ensure_port_free(host: str, port: int) -> None:
    """Stop with a hint naming the next port when something already listens."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CommandError(
                f"port {port} is busy: make run PORT={port + 1}"
            ) from exc
