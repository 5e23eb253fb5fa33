"""Server time of the agent tickets page with many tickets (default 100,000).

    DATABASE_URL=postgres://... python bench/tickets_page.py [--tickets 100000]

Loads a "bench" workspace once (bulk inserts: this measures reads, not writes), then
times the list, the board, a filtered list, a search and the detail panel through
Django's test client, and prints the median of several runs in milliseconds with the
query count. Results are also written to bench/data/tickets_page.json.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
)

from helpdesk.models import Membership, Workspace  # noqa: E402
from tickets import workflow  # noqa: E402
from tickets.models import Label, Ticket  # noqa: E402

SLUG = "bench"
PAGES = {
    "list": "/w/bench/tickets/?view=list",
    "board": "/w/bench/tickets/?view=board",
    "list, status + priority filter": "/w/bench/tickets/?view=list&status=open"
    "&priority=5",
    "list, assignee me": "/w/bench/tickets/?view=list&assignee=me",
    "search by ref": "/w/bench/tickets/?view=list&q=BEN-4242",
    "search by words": "/w/bench/tickets/?view=list&q=refund+invoice",
    "detail panel (htmx)": "/w/bench/tickets/4242/",
}


def load(count: int):
    user, _ = get_user_model().objects.get_or_create(username="bench-agent")
    workspace, _ = Workspace.objects.get_or_create(
        slug=SLUG, defaults={"name": "Bench", "ticket_prefix": "BEN"}
    )
    Membership.objects.get_or_create(user=user, workspace=workspace)
    have = Ticket.objects.filter(workspace=workspace).count()
    if have >= count:
        return user
    label, _ = Label.objects.get_or_create(workspace=workspace, name="Billing")
    statuses = workflow.Status.values
    words = ["refund", "invoice", "login", "password", "crash", "upgrade", "export"]
    with transaction.atomic():
        batch = []
        for number in range(have + 1, count + 1):
            batch.append(
                Ticket(
                    workspace=workspace,
                    number=number,
                    subject=f"{words[number % 7]} {words[(number // 7) % 7]} #{number}",
                    content=f"Customer writes about {words[number % 5]}.",
                    status=statuses[number % len(statuses)],
                    priority=number % 5 + 1,
                    assignee=user if number % 3 == 0 else None,
                    label=label if number % 2 else None,
                )
            )
            if len(batch) == 5000:
                Ticket.objects.bulk_create(batch)
                batch = []
        Ticket.objects.bulk_create(batch)
        Workspace.objects.filter(pk=workspace.pk).update(next_number=count + 1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tickets_ticket")
    return user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    setup_test_environment()
    user = load(args.tickets)
    client = Client()
    client.force_login(user)
    results = {}
    for name, url in PAGES.items():
        headers = {"HTTP_HX_REQUEST": "true"} if "htmx" in name else {}
        client.get(url, **headers)  # warm caches
        times = []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url, **headers)
                times.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        results[name] = {
            "median_ms": round(statistics.median(times), 1),
            "max_ms": round(max(times), 1),
            "queries": len(queries.captured_queries),
        }
        print(
            f"{name:34} {results[name]['median_ms']:8.1f} ms  "
            f"{results[name]['queries']:3} queries"
        )
    out = Path(__file__).parent / "data" / "tickets_page.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {"tickets": args.tickets, "vendor": connection.vendor, "pages": results},
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
