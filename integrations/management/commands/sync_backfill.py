"""Pull every ticket changed on a platform since a date, past the first-pull window.

    python manage.py sync_backfill <connection uuid or id> --since 2026-01-01

A progress bar on stderr shows how much of the time since --since is covered.
Stopped midway (Ctrl-C, a crash, the platform down), the same command goes on from
the last page it applied."""

import sys
from datetime import UTC, datetime, time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from integrations import pull
from integrations.base import RemoteTicket, SyncError
from integrations.models import Connection

BAR_WIDTH = 30


def _since(raw: str) -> datetime:
    try:
        moment = parse_datetime(raw)
        day = None if moment else parse_date(raw)
    except ValueError:
        moment = day = None
    if moment is None and day is None:
        raise CommandError(f"--since: {raw!r} is not a date (YYYY-MM-DD[THH:MM]).")
    if moment is None:
        moment = datetime.combine(day, time.min)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    if moment >= timezone.now():
        raise CommandError("--since: give a moment in the past.")
    return moment


def _connection(raw: str) -> Connection:
    rows = Connection.objects.select_related("workspace")
    try:
        found = rows.filter(pk=int(raw)) if raw.isdigit() else rows.filter(uuid=raw)
        return found.get()
    except (Connection.DoesNotExist, ValidationError, ValueError, OverflowError):
        raise CommandError(f"No connection {raw!r} (give its id or uuid).") from None


class Progress:
    """A one-line bar: the share of the time from `since` to now that the pages
    applied so far have covered, and how many changes they held."""

    def __init__(self, since: datetime, out=sys.stderr):
        self.since = since
        self.span = max((timezone.now() - since).total_seconds(), 1.0)
        self.out = out
        self.changes = 0
        self.reached = since

    def page(self, tickets: list[RemoteTicket]) -> None:
        self.changes += len(tickets)
        stamps = [t.updated_at for t in tickets if t.updated_at]
        if stamps:
            self.reached = max(self.reached, *stamps)
        self.draw()

    def draw(self, done: bool = False) -> None:
        covered = (self.reached - self.since).total_seconds() / self.span
        share = 1.0 if done else min(max(covered, 0.0), 1.0)
        filled = round(share * BAR_WIDTH)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.out.write(
            f"\r[{bar}] {share:4.0%}  {self.changes} changes, up to "
            f"{self.reached:%Y-%m-%d %H:%M}"
        )
        self.out.flush()


class Command(BaseCommand):
    help = "Pull every ticket changed on a connection's platform since --since."

    def add_arguments(self, parser) -> None:
        parser.add_argument("connection", help="The connection's id or uuid.")
        parser.add_argument(
            "--since", required=True, help="YYYY-MM-DD or an ISO date and time (UTC)."
        )

    def handle(self, *args, **options) -> None:
        connection = _connection(options["connection"])
        since = _since(options["since"])
        if not connection.enabled:
            raise CommandError(f"Connection {connection} is disabled.")
        progress = Progress(since, self.stderr._out)
        try:
            counts = pull.backfill(connection, since, on_page=progress.page)
        except SyncError as exc:
            self.stderr.write("")
            raise CommandError(
                f"Stopped: {exc.message} Run the same command again to go on."
            ) from None
        progress.draw(done=True)
        self.stderr.write("")
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(f"Backfilled {connection} since {since:%Y-%m-%d}: {summary}.")
