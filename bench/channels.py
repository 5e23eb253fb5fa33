"""`make bench-channels`: 1,000 queued public replies delivered to a local chat
callback receiver (real HTTP, signatures checked) and to a local SMTP server
(aiosmtpd), with the rate per second; results in bench/channels-results.md.

    python -m bench.channels [--replies 1000] [--workers 1]

The database is BENCH_CHANNELS_DATABASE_URL (default: a local
`helpdesk_bench_channels`, created if missing); the bench workspace's tickets and
replies are removed before each run.
"""

import argparse
import os
import secrets
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.__main__ import ROOT, _create_database

# Its own database: `make bench`'s holds 100k+ tickets that this does not need.
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_channels"

SECRET = secrets.token_urlsafe(24)
THREADS = 50  # conversations (chat) or tickets (e-mail) the replies spread over


def _setup_django(url: str) -> None:
    _create_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _workspace(receiver_url: str):
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from helpdesk.models import Membership, Workspace
    from messaging import services
    from messaging.models import Channel, Delivery

    settings.SYNC_ALLOW_LOCAL_URLS = True
    workspace, _ = Workspace.objects.get_or_create(
        slug="bench-channels", defaults={"name": "Bench channels"}
    )
    Delivery.objects.filter(workspace=workspace).delete()
    workspace.tickets.all().delete()
    workspace.contacts.all().delete()
    workspace.conversations.all().delete()
    Channel.objects.filter(workspace=workspace).delete()
    agent = Membership.objects.filter(workspace=workspace).first()
    if agent is None:
        user = get_user_model().objects.create_user(f"bench-{secrets.token_hex(4)}")
        agent = Membership.objects.create(workspace=workspace, user=user, role="agent")
    values = {"kind": "chat", "callback_url": receiver_url, "secret": SECRET}
    services.channel_save(workspace=workspace, actor=None, values=values)
    values = {"kind": "email", "from_email": "bench@helpdesk.example"}
    services.channel_save(workspace=workspace, actor=None, values=values)
    return workspace, agent.user


def _queue(workspace, agent, replies: int, *, ended: bool) -> float:
    """Open THREADS tickets and add `replies` public replies; seconds taken."""
    from django.utils import timezone

    from helpdesk.models import Contact
    from tickets import services
    from tickets.models import Conversation

    tickets = []
    kind = "mail" if ended else "chat"
    for n in range(THREADS):
        contact = Contact.objects.create(
            workspace=workspace, name=f"C{n}", email=f"c{n}-{kind}@customer.example"
        )
        conversation = Conversation.objects.create(
            workspace=workspace,
            contact=contact,
            external_id=f"bench-{kind}-{n}",
            started_at=timezone.now(),
            ended_at=timezone.now() if ended else None,
        )
        tickets.append(
            services.ticket_create(
                workspace=workspace,
                actor=agent,
                subject=f"Bench {n}",
                requester=contact,
                primary_conversation=conversation,
            )
        )
    started = time.perf_counter()
    for i in range(replies):
        services.comment_add(
            ticket=tickets[i % THREADS],
            actor=agent,
            body=f"Reply {i}: **thanks** for waiting.",
            is_public=True,
        )
    return time.perf_counter() - started


def _deliver(workers: int) -> float:
    """Drain with `workers` threads until nothing is queued; seconds taken."""
    from django.db import connection

    from messaging import delivery

    def work():
        try:
            while delivery.drain(limit=200).sent:
                pass
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--output", default=str(ROOT / "bench" / "channels-results.md"))
    args = parser.parse_args()
    _setup_django(os.environ.get("BENCH_CHANNELS_DATABASE_URL", DEFAULT_URL))
    from django.conf import settings

    from messaging.models import Delivery
    from tests.fakes.chat_receiver import ChatReceiver
    from tests.fakes.smtp_sink import SmtpSink

    receiver = ChatReceiver(SECRET).start()
    smtp = SmtpSink().start()
    smtp.use(settings)
    try:
        workspace, agent = _workspace(receiver.url)
        rows = []
        for name, ended in (("chat callback", False), ("SMTP", True)):
            queued = _queue(workspace, agent, args.replies, ended=ended)
            took = _deliver(args.workers)
            rows.append((name, queued, took))
        sent = Delivery.objects.filter(
            workspace=workspace, state__in=("sent", "delivered")
        ).count()
        counts = (sent, len(set(receiver.keys())), receiver.repeats, len(smtp.messages))
        wanted = (2 * args.replies, args.replies, 0, args.replies)
        if counts != wanted:
            raise SystemExit(
                f"(sent, chat events, repeats, mails) {counts} != {wanted}"
            )
    finally:
        receiver.stop()
        smtp.stop()
    _report(args, rows)


def _report(args, rows) -> None:
    lines = [
        "# Reply delivery bench (`make bench-channels`)",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {args.replies} public replies per "
        f"channel over {THREADS} threads, {args.workers} drain worker(s), PostgreSQL "
        "and both servers on loopback. Every reply arrived once (checked).",
        "",
        "| Channel | Queue (comment_add) | Deliver | Delivered per second |",
        "|---|---|---|---|",
    ]
    for name, queued, took in rows:
        rate = args.replies / took
        lines.append(f"| {name} | {queued:.1f} s | {took:.1f} s | **{rate:.0f}/s** |")
    text = "\n".join(lines) + "\n"
    Path(args.output).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
