"""R8: a platform that throttles, fails and hangs. One ticket's create meets, in
turn, 429 with Retry-After: 7, three 500s and a read timeout, then goes through; a
second ticket's create gets 400 and is dead-lettered (failed, shown, not retried).

The production backoff (base 2 s, cap 600 s, jitter) is used; instead of sleeping,
the test moves each retry's `next_attempt_at` to now once it has checked it, so
the waits are measured, not waited. The rate budget under load is R8's other half:
tests/integrations/test_down_then_up.py (reported as R8-rate).
"""

import pytest
from django.utils import timezone

from integrations import outbox
from integrations.models import ExternalLink, SyncAttempt, SyncOp
from tests import figures
from tests.factories import make_ticket
from tests.integrations.conftest import connect

pytestmark = pytest.mark.django_db


def _retry_now(op: SyncOp) -> float:
    """How long the outbox chose to wait before the next try; then make it due."""
    op.refresh_from_db()
    last = op.tries.order_by("-id").first()
    wait = (op.next_attempt_at - last.started_at).total_seconds()
    SyncOp.objects.filter(pk=op.pk).update(next_attempt_at=timezone.now())
    return wait


def test_r8_retry_after_backoff_timeouts_and_dead_letter(
    workspace, gorgias, agent, settings
):
    settings.SYNC_BACKOFF_BASE = 2.0
    settings.SYNC_BACKOFF_MAX = 600.0
    connect(workspace, gorgias)
    make_ticket(workspace, agent, subject="Throttled, failing, slow")
    op = SyncOp.objects.get()

    gorgias.fail(429, headers={"Retry-After": "7"})
    outbox.drain()
    after_429 = _retry_now(op)
    waits = []
    gorgias.fail(500, times=3)
    for _ in range(3):
        outbox.drain()
        waits.append(_retry_now(op))
    gorgias.stall()
    outbox.drain()
    waits.append(_retry_now(op))
    outbox.drain()
    op.refresh_from_db()

    make_ticket(workspace, agent, subject="Refused")
    refused = SyncOp.objects.exclude(pk=op.pk).get()
    gorgias.fail(400)
    outbox.drain()
    sent_before = len(gorgias.log)
    outbox.drain()  # a dead-lettered op is not tried again
    refused.refresh_from_db()

    outcomes = list(op.tries.order_by("id").values_list("outcome", "status_code"))
    caps = [outbox.backoff(n) for n in range(1, 40)]
    figures.report(
        "R8",
        {
            "wait_after_retry_after_7_s": figures.at_least(7),
            "longest_backoff_s": figures.at_most(600),
            "retries": 5,
            "dead_lettered": 1,
            "tries_of_the_400": 1,
        },
        wait_after_retry_after_7_s=round(after_429, 2),
        backoff_waits_s=[round(w, 2) for w in waits],
        longest_backoff_s=round(max(caps), 1),
        retries=SyncAttempt.objects.filter(outcome="transient").count(),
        dead_lettered=SyncOp.objects.filter(state="failed").count(),
        tries_of_the_400=refused.attempts,
    )
    assert outcomes == [
        ("transient", 429),
        ("transient", 500),
        ("transient", 500),
        ("transient", 500),
        ("transient", None),  # the read timeout
        ("ok", None),
    ]
    assert "did not answer in time" in op.tries.order_by("id")[4].error
    assert op.state == "done" and len(gorgias.tickets) == 1
    # Attempt n waits between half and all of 2 * 2^(n-1) s: 4, 8, 16, 32 s.
    for attempt, wait in enumerate(waits, start=2):
        full = 2.0 * 2 ** (attempt - 1)
        assert full / 2 - 0.5 <= wait <= full + 0.5, (attempt, wait)
    assert max(caps) <= 600 and len(set(caps)) == len(caps)  # capped, jittered
    assert (refused.state, refused.attempts) == ("failed", 1)
    assert ExternalLink.objects.get(ticket=refused.ticket).state == "error"
    assert len(gorgias.log) == sent_before
