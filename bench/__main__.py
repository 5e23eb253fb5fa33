"""`make bench`: seed N tickets on PostgreSQL and measure; results in bench/results.md.

    python -m bench [--tickets N] [--repeat 30] [--steps a,b] [--output FILE]

The database is BENCH_DATABASE_URL (default: a `helpdesk_bench` database on the local
PostgreSQL, created if missing), never the product's own. Seeding adds tickets until
the bench workspace holds N, so a second run at the same N measures at once.
"""

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench"
# One key for every run: the seeded sync connection's credentials are encrypted with
# it, and the start-up check refuses a server that cannot read them.
BENCH_SECRET_KEY = "bench-only-" + "k" * 50  # noqa: S105 (a local benchmark database)
ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tickets", type=int, default=int(os.environ.get("N", 100_000))
    )
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.md"))
    parser.add_argument(
        "--steps", default="", help="Comma-separated steps to run (default: all)."
    )
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    _create_database(url)
    os.environ["DATABASE_URL"] = url
    # Production settings (DEBUG off), served over plain HTTP on loopback.
    os.environ.update(
        DEBUG="false",
        SECRET_KEY=os.environ.get("SECRET_KEY") or BENCH_SECRET_KEY,
        ALLOWED_HOSTS="localhost,127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        # The bench measures throughput: the per-token request budget would cap it.
        API_RATE_LIMIT="off",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from bench import measure, report, seed

    call_command("migrate", verbosity=0)
    print(f"Seeding {args.tickets} tickets ...", flush=True)
    seeded = seed.tickets(args.tickets)
    print(f"  {seeded}", flush=True)
    bench = measure.Bench(repeat=args.repeat)
    started = time.perf_counter()
    steps = (
        bench.lists,
        bench.details,
        bench.create,
        bench.transition,
        bench.bulk,
        bench.export,
        bench.sla_sweep,
        bench.snooze_wake,
        bench.intake,
        bench.sync,
        bench.conversations,
        bench.insights,
    )
    wanted = {name.strip() for name in args.steps.split(",") if name.strip()}
    unknown = wanted - {step.__name__ for step in steps}
    if unknown:
        parser.error(f"unknown steps: {', '.join(sorted(unknown))}")
    for step in steps:
        if wanted and step.__name__ not in wanted:
            continue
        print(f"Measuring {step.__name__} ...", flush=True)
        step()
    text = report.markdown(
        bench.figures,
        tickets=args.tickets,
        seeded=seeded,
        when=datetime.now(UTC),
        machine=f"{platform.node()} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()}",
        database=_server_version(),
        command=f"make bench N={args.tickets}",
        seconds=time.perf_counter() - started,
    )
    Path(args.output).write_text(text, encoding="utf-8")
    print(text)
    print(f"Results written to {args.output}")


def _create_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


if __name__ == "__main__":
    main()
