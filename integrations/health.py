"""How each connection is doing, for managers: last success and last error (push
or pull), lag (age of the oldest change not yet pushed, time since the last pull),
queue depth and rate-budget use. Two queries for any number of connections."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, IntegerField, Max, Min, OuterRef, Q, Subquery
from django.utils import timezone

from integrations import ratelimit
from integrations.models import Connection, SyncAttempt, SyncOp


@dataclass
class Health:
    connection: Connection
    queue_depth: int
    failed_ops: int
    oldest_pending_at: datetime | None
    last_push_at: datetime | None
    last_push_error: str
    last_push_error_at: datetime | None
    budget: list[dict] = field(default_factory=list)

    @property
    def push_lag_seconds(self) -> int | None:
        """How long the oldest change not yet pushed has waited."""
        if self.oldest_pending_at is None:
            return None
        return int((timezone.now() - self.oldest_pending_at).total_seconds())

    @property
    def pull_lag_seconds(self) -> int | None:
        """How long since the pull last moved its cursor (None: never pulled)."""
        if not self.connection.pull_enabled or not self.connection.last_pulled_at:
            return None
        return int((timezone.now() - self.connection.last_pulled_at).total_seconds())

    @property
    def last_success_at(self) -> datetime | None:
        stamps = [self.last_push_at, self.connection.last_pulled_at]
        return max((s for s in stamps if s), default=None)

    @property
    def last_error(self) -> tuple[str, datetime | None]:
        """The newest of the push's and the pull's last errors, if it is newer
        than the last success."""
        errors = [
            (self.last_push_error_at, self.last_push_error),
            (self.connection.last_pull_error_at, self.connection.last_pull_error),
        ]
        when, message = max(
            ((w, m) for w, m in errors if w and m),
            default=(None, ""),
            key=lambda e: e[0],
        )
        return message, when

    @property
    def state(self) -> str:
        message, when = self.last_error
        success = self.last_success_at
        if message and (success is None or when > success):
            return "error"
        if self.failed_ops:
            return "error"
        return "ok" if success else "new"

    def as_dict(self) -> dict:
        message, when = self.last_error
        return {
            "state": self.state,
            "last_success_at": self.last_success_at,
            "last_error": message,
            "last_error_at": when,
            "queue_depth": self.queue_depth,
            "failed_changes": self.failed_ops,
            "push_lag_seconds": self.push_lag_seconds,
            "pull_lag_seconds": self.pull_lag_seconds,
            "rate_budget": self.budget,
        }


def _newest(attempts, column: str):
    return Subquery(attempts.order_by("-started_at", "-id").values(column)[:1])


def health_of(connections) -> list[Health]:
    """Health of each connection (a queryset or list of Connection)."""
    ops = (
        SyncOp.objects.filter(connection=OuterRef("pk"))
        .values("connection")
        .annotate(
            depth=Count("pk", filter=Q(state=SyncOp.State.PENDING)),
            failed=Count("pk", filter=Q(state=SyncOp.State.FAILED)),
            oldest=Min("created_at", filter=Q(state=SyncOp.State.PENDING)),
        )
    )
    attempts = SyncAttempt.objects.filter(connection=OuterRef("pk"))
    errors = attempts.exclude(outcome=SyncAttempt.Outcome.OK)
    rows = list(
        Connection.objects.filter(pk__in=[c.pk for c in connections])
        .annotate(
            queue_depth=Subquery(ops.values("depth"), output_field=IntegerField()),
            failed_ops=Subquery(ops.values("failed"), output_field=IntegerField()),
            oldest_pending_at=Subquery(ops.values("oldest")),
            last_push_at=Subquery(
                attempts.filter(outcome=SyncAttempt.Outcome.OK)
                .values("connection")
                .annotate(newest=Max("started_at"))
                .values("newest")
            ),
            last_push_error=_newest(errors, "error"),
            last_push_error_at=_newest(errors, "started_at"),
        )
        .select_related("workspace")
        .order_by("id")
    )
    budgets = ratelimit.usage(rows)
    return [
        Health(
            connection=row,
            queue_depth=row.queue_depth or 0,
            failed_ops=row.failed_ops or 0,
            oldest_pending_at=row.oldest_pending_at,
            last_push_at=row.last_push_at,
            last_push_error=row.last_push_error or "",
            last_push_error_at=row.last_push_error_at,
            budget=budgets[row.pk],
        )
        for row in rows
    ]
