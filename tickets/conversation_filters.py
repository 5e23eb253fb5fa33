"""ConversationFilterSet: the conversations inbox's filters, and the state every
conversation is in, derived from stored fields.

A conversation's state reads, first match wins: `closed` (it has ended), `human`
(handed to a human: handled_by is human), `escalated` (it feeds a ticket, as its
primary or an associated conversation) and `ai` (the AI agent handles it). The
queryset has already been scoped to the member's workspace by
`conversation_inbox`; the contact filter only accepts that workspace's contacts.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Substr

from helpdesk.models import Contact, Membership
from helpdesk.tenancy import scoped
from tickets.filters import as_id
from tickets.models import Conversation, Message, Ticket


class State:
    """The states a conversation can be in, in the order they are decided."""

    CLOSED = "closed"
    HUMAN = "human"
    ESCALATED = "escalated"
    AI = "ai"
    choices = [
        (AI, "AI handled"),
        (ESCALATED, "Escalated"),
        (HUMAN, "Handed to a human"),
        (CLOSED, "Closed"),
    ]


HAS_TICKET_CHOICES = [("yes", "Feeds a ticket"), ("no", "No ticket")]
EXCERPT = 160  # characters of the last message a row shows


def _feeds_ticket() -> Q:
    primary = Ticket.objects.filter(primary_conversation=OuterRef("pk"))
    associated = Ticket.associated_conversations.through.objects.filter(
        conversation_id=OuterRef("pk")
    )
    return Q(Exists(primary)) | Q(Exists(associated))


def _state_condition(state: str) -> Q:
    closed = Q(ended_at__isnull=False)
    human = Q(handled_by=Conversation.HandledBy.HUMAN)
    if state == State.CLOSED:
        return closed
    if state == State.HUMAN:
        return ~closed & human
    if state == State.ESCALATED:
        return ~closed & ~human & _feeds_ticket()
    return ~closed & ~human & ~_feeds_ticket()


def state_of(conversation: Conversation) -> str:
    """The state of an inbox row, decided as `_state_condition` filters (the
    row's tickets are prefetched, so this costs no query; an EXISTS in the
    SELECT made PostgreSQL hash every ticket of the database)."""
    if conversation.ended_at is not None:
        return State.CLOSED
    if conversation.handled_by == Conversation.HandledBy.HUMAN:
        return State.HUMAN
    fed = conversation.primary_tickets.all() or conversation.associated_tickets.all()
    return State.ESCALATED if fed else State.AI


def conversation_inbox(*, membership: Membership) -> QuerySet[Conversation]:
    """The workspace's conversations, newest first, with what an inbox row shows:
    contact, the last message and the tickets each feeds (a fixed number of
    queries for any number of rows; `state_of` tells the state)."""
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by(
        "-sent_at", "-id"
    )
    # Only what a row shows (its ref): whole tickets with their workspace joined
    # cost more than the rest of the page's SQL. inbox_page sets the workspace.
    tickets = Ticket.objects.only("number", "workspace_id", "primary_conversation_id")
    tickets = tickets.order_by("number")
    return (
        scoped(Conversation.objects.all(), membership.workspace)
        .select_related("contact")
        .annotate(
            last_body=Subquery(last.values(excerpt=Substr("body", 1, EXCERPT))[:1]),
            last_kind=Subquery(last.values("author_kind")[:1]),
            last_at=Subquery(last.values("sent_at")[:1]),
        )
        .prefetch_related(
            Prefetch("primary_tickets", queryset=tickets),
            Prefetch("associated_tickets", queryset=tickets),
        )
        .order_by("-started_at", "-id")
    )


class ConversationFilterForm(forms.Form):
    """The filter form; `workspace` is set by the filter set so a contact id of
    another workspace is a field error."""

    workspace = None

    def clean_contact(self) -> Contact | None:
        value = self.cleaned_data.get("contact") or ""
        if not value:
            return None
        pk = as_id(value)
        contact = (
            Contact.objects.filter(workspace=self.workspace, pk=pk).first()
            if pk is not None
            else None
        )
        if contact is None:
            raise forms.ValidationError(f"No contact with id {value!r} here.")
        return contact


class ConversationFilterSet(django_filters.FilterSet):
    """Every inbox filter. Pass `membership=` so contact ids are checked against
    the member's workspace."""

    q = django_filters.CharFilter(
        method="filter_q",
        max_length=200,
        help_text="Words in the messages, the contact's name or e-mail, or the "
        "conversation's external id.",
    )
    channel = django_filters.CharFilter(lookup_expr="iexact", max_length=50)
    state = django_filters.ChoiceFilter(choices=State.choices, method="filter_state")
    has_ticket = django_filters.ChoiceFilter(
        choices=HAS_TICKET_CHOICES, method="filter_has_ticket"
    )
    contact = django_filters.CharFilter(method="filter_contact", max_length=20)
    started = django_filters.DateFromToRangeFilter(
        field_name="started_at",
        help_text="started_after / started_before (dates, inclusive).",
    )

    class Meta:
        model = Conversation
        fields: list[str] = []
        form = ConversationFilterForm

    def __init__(self, data=None, queryset=None, *, membership=None, **kw):
        super().__init__(data, queryset, **kw)
        self.membership = membership

    @property
    def form(self) -> ConversationFilterForm:
        if not hasattr(self, "_form"):
            form = super().form
            form.workspace = self.membership.workspace if self.membership else None
            self._form = form
        return self._form

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        words = " ".join(value.split())
        if not words:
            return queryset
        in_messages = Message.objects.filter(
            conversation=OuterRef("pk"), body__icontains=words
        )
        return queryset.filter(
            Q(contact__name__icontains=words)
            | Q(contact__email__icontains=words)
            | Q(external_id__icontains=words)
            | Q(Exists(in_messages))
        )

    def filter_state(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset.filter(_state_condition(value)) if value else queryset

    def filter_has_ticket(self, queryset: QuerySet, name: str, value: Any):
        if value == "yes":
            return queryset.filter(_feeds_ticket())
        if value == "no":
            return queryset.filter(~_feeds_ticket())
        return queryset

    def filter_contact(self, queryset: QuerySet, name: str, value: Any):
        return queryset.filter(contact=value) if value else queryset
