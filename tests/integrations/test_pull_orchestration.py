"""The pull as a whole against the strict fakes: a burst of changes sharing one
timestamp and a Gorgias events page of 100 changed tickets are all imported within
the platforms' limits while the push queue keeps moving; the first pull looks back
as far as the connection says; a failure shows on the connection until a pull
works; the backfill command covers what the first pull did not and resumes."""

import io
import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection as db_connection

from integrations import outbox, pull
from integrations.base import SyncError
from integrations.models import Connection, ExternalLink, SyncAttempt, SyncOp
from tests.factories import make_ticket
from tests.integrations.conftest import connect
from tickets.models import Ticket


@pytest.mark.django_db
def test_a_burst_of_500_changes_on_one_timestamp_is_all_imported(workspace, kustomer):
    kustomer.limit("search", 100, 60)
    # Kustomer's 300 requests a minute, ten times faster so the test stays short
    # (each import also reads the conversation's messages and notes).
    kustomer.limit("org", 300, 6)
    kustomer.frozen_stamp = "2026-12-02T01:00:00.000Z"
    for index in range(500):
        kustomer.add_conversation(name=f"Bulk {index}")
    connection = connect(workspace, kustomer, rate_limit=300, rate_period=6)
    connection.first_pull_hours = 24 * 365 * 5
    connection.save()

    counts = pull.pull_connection(connection)

    assert counts["created"] == 500
    assert Ticket.objects.filter(workspace=workspace).count() == 500
    assert ExternalLink.objects.filter(connection=connection).count() == 500
    connection.refresh_from_db()
    assert json.loads(connection.pull_cursor) == {
        "bound": {"gt": "2026-12-02T01:00:00+00:00"}
    }
    # Nothing new: the next pull imports nothing and asks from after the burst.
    assert pull.pull_connection(connection)["created"] == 0
    searches = kustomer.requests_to("POST", "/v1/customers/search")
    assert len(searches) <= 3 < 100


@pytest.mark.django_db(transaction=True)
def test_a_gorgias_page_of_100_changed_tickets_is_imported_and_push_keeps_moving(
    workspace, gorgias, agent
):
    # Gorgias's 40 requests per 20 s, ten times faster so the test stays short.
    gorgias.limit("default", 40, 2)
    connection = connect(workspace, gorgias, rate_limit=40, rate_period=2)
    for index in range(100):
        gorgias.add_ticket(subject=f"Made there {index}")
    page_end = gorgias.events[-1]["created_datetime"]
    ours = [make_ticket(workspace, agent, subject=f"Ours {i}") for i in range(8)]
    pushed_at = []

    def push():
        try:
            deadline = time.monotonic() + 30
            while SyncOp.objects.filter(state="pending").exists():
                assert time.monotonic() < deadline
                outbox.drain()
                time.sleep(0.05)
            pushed_at.append(time.monotonic())
        finally:
            db_connection.close()

    worker = threading.Thread(target=push)
    worker.start()
    counts = pull.pull_connection(connection)
    pulled_at = time.monotonic()
    worker.join()

    assert counts["created"] == 100
    assert Ticket.objects.filter(subject__startswith="Made there").count() == 100
    connection.refresh_from_db()
    assert json.loads(connection.pull_cursor)["gte"] == page_end
    assert gorgias.max_in_window(2) <= 40
    # The push was never refused, and finished before the long pull did.
    assert not SyncAttempt.objects.exclude(outcome="ok").exists()
    assert SyncOp.objects.filter(state="done").count() == len(ours)
    assert pushed_at and pushed_at[0] < pulled_at


@pytest.mark.django_db
@pytest.mark.parametrize("expired", [False, True])
def test_a_gorgias_burst_on_one_timestamp_across_a_page_boundary_is_all_imported(
    workspace, gorgias, expired
):
    for index in range(150):
        gorgias.add_ticket(subject=f"Burst {index}")
    burst = "2026-12-02T01:00:00.000000+00:00"
    for event in gorgias.events:
        event["created_datetime"] = burst  # a bulk update: one timestamp for all
    connection = connect(workspace, gorgias, rate_limit=1000, rate_period=1)
    connection.first_pull_hours = 24 * 365 * 5
    connection.save()

    # The run stops after the first page (100 events), in the middle of the burst.
    assert pull.pull_connection(connection, max_pages=1)["created"] == 100
    connection.refresh_from_db()
    first = json.loads(connection.pull_cursor)
    assert (first["gte"], len(first["seen"]), first["next"]) == (burst, 100, "0.100")
    if expired:  # Gorgias's cursor is short-lived: the next run starts at `gte`
        gorgias.expire_cursors()

    assert pull.pull_connection(connection)["created"] == 50
    assert Ticket.objects.filter(subject__startswith="Burst").count() == 150
    connection.refresh_from_db()
    cursor = json.loads(connection.pull_cursor)
    assert cursor == {"gte": burst, "seen": list(range(1, 151))}
    # Nothing new: the boundary's events are read again (two pages) and skipped;
    # no ticket is fetched, nothing imported.
    asked = len(gorgias.log)
    assert pull.pull_connection(connection)["created"] == 0
    assert [path for _, _, path in gorgias.log[asked:]] == ["/api/events"] * 2


@pytest.mark.django_db
@pytest.mark.parametrize("hours", [0, 3])
def test_the_first_pull_looks_back_as_far_as_the_connection_says(
    workspace, platform_fake, settings, hours
):
    settings.SYNC_FIRST_PULL_HOURS = 30
    connection = connect(workspace, platform_fake, first_pull_hours=hours)
    asked = datetime.now(UTC) - timedelta(hours=hours or 30)

    pull.pull_connection(connection)

    (sent,) = [r for r in platform_fake.received if r["method"] != "GET"][:1] or [
        r
        for r in platform_fake.received
        if "start_time" in r["query"] or "created_datetime[gte]" in r["query"]
    ][:1]
    since = (
        sent["query"].get("start_time")
        or sent["query"].get("created_datetime[gte]")
        or sent["body"]["and"][0]["conversation_updated_at"]["gte"]
    )
    when = (
        datetime.fromtimestamp(int(since), UTC)
        if since.isdigit()
        else datetime.fromisoformat(since)
    )
    assert abs((when - asked).total_seconds()) < 60


@pytest.mark.django_db
def test_a_failed_pull_shows_on_the_connection_until_one_works(workspace, zendesk):
    connection = connect(workspace, zendesk)
    zendesk.role = "agent"  # the export is for admins only
    with pytest.raises(SyncError):
        pull.pull_connection(connection)
    connection.refresh_from_db()
    assert "403" in connection.last_pull_error
    assert connection.last_pull_error_at is not None

    zendesk.role = "admin"
    pull.pull_connection(connection)
    connection.refresh_from_db()
    assert connection.last_pull_error == ""
    assert connection.last_pulled_at is not None


@pytest.mark.django_db
def test_backfill_pulls_past_the_window_resumes_and_reports_progress(
    workspace, gorgias
):
    old = datetime.now(UTC) - timedelta(days=20)
    for index in range(5):
        gorgias.add_ticket(subject=f"Old {index}")
    for index, event in enumerate(gorgias.events):
        event["created_datetime"] = (old + timedelta(minutes=index)).isoformat()
    gorgias.page_size = 2
    connection = connect(workspace, gorgias, rate_limit=1000, rate_period=1)
    assert pull.pull_connection(connection)["created"] == 0  # past the 24 h window

    since = datetime(2026, 1, 1, tzinfo=UTC)

    def interrupted(tickets):
        raise KeyboardInterrupt  # Ctrl-C after the first page

    with pytest.raises(KeyboardInterrupt):
        pull.backfill(connection, since, on_page=interrupted)
    connection.refresh_from_db()
    assert json.loads(connection.backfill_cursor)["since"] == since.isoformat()
    assert Ticket.objects.filter(subject__startswith="Old").count() == 2

    err = io.StringIO()
    out = io.StringIO()  # ... and goes on from there
    call_command(
        "sync_backfill", str(connection.pk), since="2026-01-01", stdout=out, stderr=err
    )
    assert Ticket.objects.filter(subject__startswith="Old").count() == 5
    assert "100%" in err.getvalue()
    assert "3 created" in out.getvalue()  # the 2 of the first run are not redone
    connection.refresh_from_db()
    assert connection.backfill_cursor == ""


@pytest.mark.django_db
def test_backfill_stops_after_repeated_failures_and_says_to_rerun(workspace, gorgias):
    gorgias.add_ticket(subject="Old")
    connection = connect(workspace, gorgias)
    gorgias.down = True
    with pytest.raises(CommandError, match="Run the same command again"):
        call_command(
            "sync_backfill",
            str(connection.uuid),
            since="2026-01-01",
            stderr=io.StringIO(),
        )
    assert len(gorgias.log) == pull.BACKFILL_TRIES


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args,message",
    [
        (["nope", "--since", "2026-01-01"], "No connection"),
        (["999999", "--since", "2026-01-01"], "No connection"),
        (["{uuid}", "--since", "yesterday"], "is not a date"),
        (["{uuid}", "--since", "2999-01-01"], "in the past"),
        (["{uuid}", "--since", "2026-02-31"], "is not a date"),
    ],
)
def test_backfill_refuses_bad_arguments(workspace, gorgias, args, message):
    connection = connect(workspace, gorgias)
    args = [a.replace("{uuid}", str(connection.uuid)) for a in args]
    with pytest.raises(CommandError, match=message):
        call_command("sync_backfill", *args)
    assert Connection.objects.get().backfill_cursor == ""
