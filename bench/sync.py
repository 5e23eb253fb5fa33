"""The sync step of `make bench`: push and pull against the local fake Zendesk,
with the request budget lifted so the figures are our own throughput.

Push: `tickets` new tickets drained from the outbox (a lookup and a create each)
by one drain with its SYNC_DRAIN_THREADS threads, with the queries each pushed
ticket costs (every thread's connection counted). Pull: every one of them
changed on the fake and pulled back (the incremental export, one change a
ticket), with the queries each pulled change costs."""

import dataclasses
import time
from contextlib import contextmanager

from django.db import connection as db_connection
from django.db.backends.signals import connection_created
from django.test.utils import CaptureQueriesContext, override_settings

from integrations import outbox, pull, registry
from integrations import services as sync_services
from tests.fakes.zendesk import FakeZendesk

PUSH_GOAL = 50  # tickets a second
PULL_GOAL = 100  # changes a second
QUERIES_GOAL = 10  # a pushed ticket
# The drain's threads: their waits for the database and the fake overlap (one
# thread drained 20 tickets/s on the loaded 2-core machine, 8 drained 53/s).
THREADS = 8


@contextmanager
def lifted_budget(platform: str):
    """The platform's account-wide and per-endpoint limits out of the way."""
    specs = registry.platforms()
    kept = specs[platform]
    specs[platform] = dataclasses.replace(
        kept, rate_limit=(1_000_000, 1), rate_limits=()
    )
    try:
        yield
    finally:
        specs[platform] = kept


@contextmanager
def counted_queries():
    """The queries (BEGIN and COMMIT included, as CaptureQueriesContext counts
    them) of this thread's connection and of every connection opened meanwhile
    (the drain's threads): yields a dict whose "queries" is set on exit."""
    opened = []

    def attach(sender, connection, **kwargs):
        connection.force_debug_cursor = True
        opened.append(connection)

    counted = {"queries": 0}
    connection_created.connect(attach)
    try:
        with CaptureQueriesContext(db_connection) as captured:
            yield counted
    finally:
        connection_created.disconnect(attach)
    others = sum(len(c.queries_log) for c in opened if c is not db_connection)
    counted["queries"] = len(captured) + others


def _push(bench, connection, tickets: int) -> tuple[float, int]:
    for index in range(tickets):
        bench.api.post(
            f"{bench.base}/tickets/",
            {"subject": f"Bench sync {index}", "priority": 2},
            content_type="application/json",
        )
    started = time.perf_counter()
    with counted_queries() as counted:
        while sync_services.pending_count(connection):
            if time.perf_counter() - started > 300:
                raise RuntimeError("the outbox did not drain in 5 minutes")
            outbox.drain(connection_id=connection.pk, max_links=tickets)
    return time.perf_counter() - started, counted["queries"]


def measure(bench, tickets: int = 300) -> list:
    from bench.measure import Figure

    fake = FakeZendesk().start()
    with (
        override_settings(SYNC_ALLOW_LOCAL_URLS=True, SYNC_DRAIN_THREADS=THREADS),
        lifted_budget("zendesk"),
    ):
        connection = sync_services.connection_save(
            workspace=bench.workspace,
            actor=None,
            values={
                "platform": "zendesk",
                "subdomain": "bench",
                "base_url": fake.url,
                "credentials": {"email": "a@bench.test", "api_token": "bench"},
            },
        )
        try:
            push_seconds, push_queries = _push(bench, connection, tickets)
            pull.pull_connection(connection)  # catch up with our own writes
            for remote_id in list(fake.tickets):
                fake.remote_edit(remote_id, status="solved")
            started = time.perf_counter()
            with counted_queries() as pull_queries:
                pulled = pull.pull_connection(connection)
            pull_seconds = time.perf_counter() - started
        finally:
            connection.delete()
            fake.stop()
    pushed = len(fake.tickets)
    per_ticket = push_queries / pushed
    return [
        Figure(
            f"Sync push, {pushed} tickets",
            rate=pushed / push_seconds,
            queries=round(per_ticket, 1),
            target=f">= {PUSH_GOAL}/s, <= {QUERIES_GOAL} queries a ticket",
            goal=PUSH_GOAL,
            met=pushed / push_seconds >= PUSH_GOAL and per_ticket <= QUERIES_GOAL,
            note=f"one drain ({THREADS} threads) emptying the "
            "outbox to the fake Zendesk (a lookup and a create a ticket), budget "
            "lifted; queries: a pushed ticket's share",
        ),
        Figure(
            f"Sync pull, {pulled['updated']} changes",
            rate=pulled["updated"] / pull_seconds,
            queries=round(pull_queries["queries"] / pulled["updated"], 2),
            target=f">= {PULL_GOAL}/s",
            goal=PULL_GOAL,
            met=pulled["updated"] / pull_seconds >= PULL_GOAL,
            note="incremental export from the fake Zendesk (one page), budget "
            "lifted; queries: a pulled change's share",
        ),
    ]
