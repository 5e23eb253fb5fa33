"""`make load`: seed a workspace, serve it with gunicorn on loopback and run the
locustfile headless against it; print and save rps, latency percentiles and the
error rate.

    python -m loadtest.run --users 100 --duration 5m --out docs/load

The database is DATABASE_URL's (use PostgreSQL for meaningful figures). The server
runs with DEBUG off, as in production.
"""

import argparse
import csv
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def summary(csv_prefix: Path) -> dict:
    """The whole run's figures from locust's `<prefix>_stats.csv`."""
    with open(f"{csv_prefix}_stats.csv", newline="") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    total = rows["Aggregated"]
    requests = int(total["Request Count"])
    failures = int(total["Failure Count"])
    return {
        "requests": requests,
        "failures": failures,
        "error_rate_percent": round(100 * failures / requests, 3) if requests else 0,
        "rps": round(float(total["Requests/s"]), 1),
        "p50_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "p99_ms": float(total["99%"]),
        "per_request": {
            name: {"requests": int(row["Request Count"]), "p95_ms": float(row["95%"])}
            for name, row in rows.items()
            if name != "Aggregated"
        },
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not start on port {port}")


def locust(
    host: str, *, users: int, duration: str, csv_prefix: Path, env: dict
) -> None:
    """Run the locustfile headless; its exit code is ignored (the figures say it)."""
    subprocess.run(  # noqa: S603 - fixed argv
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "loadtest" / "locustfile.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(max(1, users // 5)),
            "--run-time",
            duration,
            "--host",
            host,
            "--csv",
            str(csv_prefix),
            "--only-summary",
        ],
        cwd=ROOT,
        env=env,
        check=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--duration", default="5m")
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "load")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tokens = args.out / "tokens.txt"
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",  # plain http on loopback
        "LOAD_TOKENS": str(tokens),
        "LOAD_TICKETS": str(args.tickets),
    }
    python = sys.executable
    for step in (
        [python, "manage.py", "migrate", "--noinput"],
        [python, "manage.py", "collectstatic", "--noinput", "-v0"],
        [python, "-m", "loadtest.seed", "--users", str(args.users)]
        + ["--tickets", str(args.tickets), "--tokens", str(tokens)],
    ):
        subprocess.run(step, cwd=ROOT, env=env, check=True)  # noqa: S603

    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - fixed argv
        [python, "-m", "gunicorn", "helpdesk.wsgi:application"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", str(args.web_workers)],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        _wait_for_port(port)
        prefix = args.out / "run"
        locust(
            f"http://127.0.0.1:{port}",
            users=args.users,
            duration=args.duration,
            csv_prefix=prefix,
            env=env,
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        tokens.unlink(missing_ok=True)
    result = {
        "users": args.users,
        "duration": args.duration,
        "web_workers": args.web_workers,
        **summary(prefix),
    }
    (args.out / "summary.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
