"""The server cost of idle agents polling for live updates (tickets.ui.views.live).

    python -m bench.live [--agents 100] [--seconds 60] [--workers 2] [--tickets 50]
                         [--output bench/live-results.md]

Method: N agents of the bench workspace each get a logged-in session (a session
row, no password hash per agent), and N client threads poll
`/w/bench/live/?since=<marker>&ticket=<n>` every POLL_SECONDS with the previous
answer's ETag in If-None-Match, like app.js does; half of them have a ticket's
panel open (presence heartbeat). Nothing changes during the run, so every poll
after the first is the idle check that answers 304. The server is a real gunicorn
(sync workers) on loopback with production settings.

Figures: CPU % of one core used by the gunicorn master and its workers together
(psutil, user + system time over the run's wall time); requests per minute; SQL
queries per minute, counted by PostgreSQL itself (the database's committed
transactions from pg_stat_database: in autocommit every statement is one) minus
the same count over an equally long run with no clients, and the idle check's
queries counted in-process with Django's CaptureQueriesContext for comparison.
Runs against BENCH_DATABASE_URL like `python -m bench`.
"""

import argparse
import os
import sys
import threading
import time
from pathlib import Path

from bench.__main__ import BENCH_SECRET_KEY

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench"
SLUG = "bench-live"
STATS_FLUSH = 11  # seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tickets", type=int, default=50)
    parser.add_argument("--output", default=str(ROOT / "bench" / "live-results.md"))
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ.update(
        DEBUG="false",
        SECRET_KEY=os.environ.get("SECRET_KEY") or BENCH_SECRET_KEY,
        ALLOWED_HOSTS="localhost,127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from bench.__main__ import _create_database

    _create_database(os.environ["DATABASE_URL"])
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    cookies, numbers = _agents(args.agents, args.tickets)
    per_poll = _queries_per_idle_check(cookies[0], numbers[0])
    figures = _run(args, cookies, numbers)
    figures["queries per idle check (in-process)"] = per_poll
    text = _markdown(figures)
    Path(args.output).write_text(text, encoding="utf-8")
    print(text)


def _markdown(figures: dict) -> str:
    import platform
    from datetime import UTC, datetime

    lines = [
        "# Live updates: the server cost of idle agents",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {platform.node()} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()}",
        f"- Reproduce: `python -m bench.live --agents {figures['agents']}"
        f" --seconds {figures['seconds']}` (method: this module's docstring)",
        "",
        "| Figure | Value |",
        "| --- | ---: |",
        *(f"| {name} | {value} |" for name, value in figures.items()),
        "",
    ]
    return "\n".join(lines)


def _agents(count: int, tickets: int) -> tuple[list[str], list[int]]:
    """`count` members of the bench-live workspace with a session each."""
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    from helpdesk.models import Membership, Workspace
    from tickets import services

    workspace, _ = Workspace.objects.get_or_create(slug=SLUG, defaults={"name": SLUG})
    User = get_user_model()
    cookies = []
    for i in range(count):
        user, _ = User.objects.get_or_create(username=f"live-agent-{i}")
        Membership.objects.get_or_create(workspace=workspace, user=user)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        cookies.append(session.session_key)
    while workspace.tickets.count() < tickets:
        services.ticket_create(workspace=workspace, actor=None, subject="Live bench")
    numbers = list(workspace.tickets.values_list("number", flat=True)[:count])
    return cookies, numbers


def _queries_per_idle_check(cookie: str, number: int) -> int:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="localhost")
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    url = f"/w/{SLUG}/live/"
    first = client.get(url, {"ticket": number})
    with CaptureQueriesContext(connection) as queries:
        again = client.get(
            url,
            {"ticket": number, "since": first.json()["marker"]},
            HTTP_IF_NONE_MATCH=first["ETag"],
        )
    if again.status_code != 304:
        raise RuntimeError(f"the idle check answered {again.status_code}, not 304")
    return len(queries)


def _transactions() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xact_commit FROM pg_stat_database "
            "WHERE datname = current_database()"
        )
        return cursor.fetchone()[0]


def _cpu_seconds(server) -> float:
    import psutil

    total = 0.0
    root = psutil.Process(server.pid)
    for process in [root, *root.children(recursive=True)]:
        times = process.cpu_times()
        total += times.user + times.system
    return total


def _run(args, cookies: list[str], numbers: list[int]) -> dict:
    import subprocess

    import requests
    from django.conf import settings

    from bench.measure import _free_port, _wait_for
    from tickets.ui.views.live import POLL_SECONDS

    port = _free_port()
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "helpdesk.wsgi", "-w", str(args.workers)]
        + ["-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT,
        env={**os.environ},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/healthz")
        baseline = _window(server, args.seconds, lambda stop: None)
        counts = {"requests": 0, "not_modified": 0, "errors": 0}
        lock = threading.Lock()

        def agent(i: int, stop: threading.Event) -> None:
            session = requests.Session()
            session.cookies.set(settings.SESSION_COOKIE_NAME, cookies[i])
            params = {"ticket": numbers[i % len(numbers)]} if i % 2 == 0 else {}
            etag = ""
            stop.wait(i / len(cookies) * POLL_SECONDS)  # spread over the interval
            while not stop.is_set():
                headers = {"If-None-Match": etag} if etag else {}
                response = session.get(
                    f"{base}/w/{SLUG}/live/", params=params, headers=headers, timeout=10
                )
                with lock:
                    counts["requests"] += 1
                    counts["not_modified"] += response.status_code == 304
                    counts["errors"] += response.status_code >= 400
                if response.status_code == 200:
                    etag = response.headers["ETag"]
                    params["since"] = response.json()["marker"]
                stop.wait(POLL_SECONDS)

        def clients(stop):
            threads = [
                threading.Thread(target=agent, args=(i, stop), daemon=True)
                for i in range(len(cookies))
            ]
            for thread in threads:
                thread.start()
            return threads

        loaded = _window(server, args.seconds, clients)
    finally:
        server.terminate()
        server.wait(10)
    minutes = args.seconds / 60
    return {
        "agents": len(cookies),
        "seconds": args.seconds,
        "gunicorn workers": args.workers,
        "requests per minute": round(counts["requests"] / minutes),
        "304 share": f"{counts['not_modified'] / max(counts['requests'], 1):.1%}",
        "errors": counts["errors"],
        "server CPU % of one core (idle agents)": round(loaded["cpu"], 1),
        "server CPU % of one core (no clients)": round(baseline["cpu"], 1),
        "queries per minute (PostgreSQL, minus no-client run)": round(
            (loaded["xacts"] - baseline["xacts"]) / minutes
        ),
    }


def _window(server, seconds: int, start) -> dict:
    """CPU % and database transactions of the server over `seconds`."""
    stop = threading.Event()
    cpu, xacts, began = _cpu_seconds(server), _transactions(), time.monotonic()
    threads = start(stop) or []
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(15)
    wall = time.monotonic() - began
    cpu = 100 * (_cpu_seconds(server) - cpu) / wall
    # Idle backends flush their statistics within PostgreSQL's 10 s idle interval.
    time.sleep(STATS_FLUSH)
    return {"cpu": cpu, "xacts": _transactions() - xacts - 1}


if __name__ == "__main__":
    main()
