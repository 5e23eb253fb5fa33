"""The ticket list's `reply` filter (MessagingConfig.ready() adds it): tickets with
a public reply that failed to reach the customer, or one still on its way."""

from django.db.models import Exists, OuterRef, QuerySet

from messaging.models import Delivery
from tickets.filters import MemberChoiceFilter

REPLY_CHOICES = [("failed", "Reply failed"), ("queued", "Reply queued")]


def _filter_for_member(queryset: QuerySet, value: str, *, membership) -> QuerySet:
    deliveries = Delivery.objects.filter(ticket=OuterRef("pk"), state=value)
    return queryset.filter(Exists(deliveries))


def reply_filter() -> MemberChoiceFilter:
    return MemberChoiceFilter(
        choices=REPLY_CHOICES,
        apply=_filter_for_member,
        help_text="Public replies: failed (did not reach the customer) or queued.",
    )
