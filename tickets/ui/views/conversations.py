"""The conversations inbox, a conversation's page and "Create ticket" on it.

The inbox serves the full page and, for htmx, its results region; a bad filter or
cursor answers 400 with the reason. The conversation page is 404 for another
workspace's conversation. "Create ticket" is a confirm dialog on the page,
prefilled from the transcript; its POST opens the ticket through the intake's
`ticket_create_from_conversation` and sends the agent to the ticket's panel.
"End conversation" closes it through `tickets.conversations.conversation_end`.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from helpdesk.lib.errors import DomainError
from helpdesk.models import Membership
from helpdesk.permissions import can
from tickets.conversations import conversation_end
from tickets.intake import inbound
from tickets.models import Conversation, Ticket
from tickets.ui import listing
from tickets.ui.conversation_listing import (
    ConversationQuery,
    fed_tickets,
    inbox_page,
    transcript_page,
)
from tickets.ui.ticket_forms import ConversationTicketForm
from tickets.ui.views.base import error_messages, member_for


@login_required
@require_GET
def conversation_index(request, slug: str):
    """Every conversation of the workspace, filtered, newest first, cursor pages."""
    membership = member_for(request, slug)
    query = ConversationQuery(request.GET, request=request, membership=membership)
    errors = query.errors
    status = 400 if errors else 200
    try:
        page = inbox_page(query, request)
    except ValueError as exc:
        errors, status, page = [f"Page: {exc}"], 400, None
    context = {
        "membership": membership,
        "query": query,
        "page": page,
        "errors": errors,
        "filter_options": query.filter_options(),
        "fields_template": "conversations/partials/_filter_fields.html",
    }
    if request.htmx and request.htmx.target == "results":
        return render(
            request, "conversations/partials/_results.html", context, status=status
        )
    context.update(listing.page_shell(request, membership))
    return render(request, "conversations/index.html", context, status=status)


def _conversation(membership: Membership, pk: int) -> Conversation:
    conversation = listing.conversation_get(membership=membership, pk=pk)
    conversation.workspace = membership.workspace
    return conversation


def _dialog(membership, conversation, open_tickets, form=None) -> dict:
    """The "Create ticket" dialog's context: the draft reads the whole transcript,
    so it is worked out only when the dialog is opened."""
    draft = inbound.ticket_draft(conversation)
    if form is None:
        form = ConversationTicketForm(
            initial={"subject": draft.subject, "priority": Ticket.Priority.MEDIUM},
            membership=membership,
            open_tickets=open_tickets,
        )
    teams = membership.workspace.teams.order_by("name")
    return {"draft": draft, "form": form, "teams": teams}


def _page(request, membership, conversation, *, form=None, status=200):
    """The page, or for htmx one of its parts: the dialog (`create=1` or a refused
    POST) or the transcript page before message `before`."""
    tickets, open_tickets = fed_tickets(conversation)
    can_create = can(membership, "ticket.create")
    context = {
        "membership": membership,
        "conversation": conversation,
        "tickets": tickets,
        "open_tickets": open_tickets,
        "can_create": can_create,
        "can_close": can(membership, "ticket.edit") and not conversation.ended_at,
        "dialog_open": can_create
        and (form is not None or request.GET.get("create") == "1"),
        "tz": membership.workspace.tz,
    }
    if context["dialog_open"]:
        context.update(_dialog(membership, conversation, open_tickets, form))
        if request.htmx:
            template = "conversations/partials/_create_ticket.html"
            return render(request, template, context, status=status)
    before = request.GET.get("before")
    try:
        context["transcript"] = transcript_page(conversation, context["tz"], before)
    except ValueError as exc:
        return HttpResponseBadRequest(f"before: {exc}", content_type="text/plain")
    if request.htmx and before is not None:
        template = "conversations/partials/_transcript_items.html"
        return render(request, template, context)
    context.update(listing.page_shell(request, membership))
    return render(request, "conversations/detail.html", context, status=status)


@login_required
@require_GET
def conversation_detail(request, slug: str, conversation_id: int):
    """The transcript (newest page first), the tickets it feeds and the "Create
    ticket" dialog."""
    membership = member_for(request, slug)
    conversation = _conversation(membership, conversation_id)
    return _page(request, membership, conversation)


@login_required
@require_POST
def conversation_ticket_create(request, slug: str, conversation_id: int):
    """The confirmed "Create ticket": 422 with the dialog's errors, else the new
    ticket's panel."""
    membership = member_for(request, slug)
    if not can(membership, "ticket.create"):
        raise Http404("No such workspace.")
    conversation = _conversation(membership, conversation_id)
    _tickets, open_tickets = fed_tickets(conversation)
    form = ConversationTicketForm(
        request.POST, membership=membership, open_tickets=open_tickets
    )
    if form.is_valid():
        try:
            ticket = inbound.ticket_create_from_conversation(
                conversation=conversation,
                actor=request.user,
                subject=form.cleaned_data["subject"],
                priority=form.cleaned_data["priority"],
                team=form.cleaned_data["team"],
            )
        except (DomainError, ValidationError) as exc:
            form.add_error(None, error_messages(exc))
        else:
            url = reverse("tickets:detail", args=[slug, ticket.number])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return _page(request, membership, conversation, form=form, status=422)


@login_required
@require_POST
def conversation_close(request, slug: str, conversation_id: int):
    """ "End conversation": the state becomes closed; back to the page."""
    membership = member_for(request, slug)
    if not can(membership, "ticket.edit"):
        raise Http404("No such workspace.")
    conversation = _conversation(membership, conversation_id)
    conversation_end(conversation=conversation, actor=request.user)
    return redirect("tickets:conversation", slug, conversation.pk)
