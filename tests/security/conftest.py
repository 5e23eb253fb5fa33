"""Two tenants with one of everything, for the security sweeps.

Workspace A ("acme", prefix TKT) is the caller's; workspace B ("globex", prefix GLX)
is the other tenant. B's rows carry marker strings that must never appear in an
answer given to A, and B has more tickets than A so B's numbers name nothing in A.
"""

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from helpdesk import invitations
from helpdesk.models import (
    Contact,
    Invitation,
    Membership,
    Notification,
    Team,
    Workspace,
)
from integrations.models import Connection, ExternalLink, SyncOp, WebhookEvent
from knowledge import services as kb
from knowledge.models import Article, InsightFeedback, TicketInsight
from messaging.models import Channel, Delivery, InboundEmail, InboundMailbox
from sla.models import Calendar, SlaPolicy, SlaPolicyTarget, SlaTarget
from tests.factories import ContactFactory, LabelFactory, MembershipFactory, TeamFactory
from tests.settings_fixtures import fast_passwords, media_root  # noqa: F401
from tickets import conversations, services
from tickets.intake import rules
from tickets.models import (
    Attachment,
    Comment,
    Conversation,
    EscalationRule,
    ExportJob,
    Label,
    Macro,
    Message,
    SavedView,
    Tag,
    Ticket,
    TicketEvent,
)

A_SECRET = "acme-webhook-secret-0123456789"
B_SECRET = "globex-webhook-secret-987654321"
B_SUBJECT_WORD = "Zanzibarquux"
B_NUMBER = 3  # B's tickets are 1..3; A has only ticket 1


@dataclass
class Tenant:
    workspace: Workspace
    member: Any  # a user of the workspace
    ticket: Ticket
    team: Team
    label: Label
    tag: Tag
    contact: Contact
    conversation: Conversation
    comment: Comment
    view: SavedView
    rule: EscalationRule
    connection: Connection
    objects: dict[str, Any] = field(default_factory=dict)


def _connection(workspace, name, secret) -> Connection:
    connection = Connection(
        workspace=workspace,
        platform="zendesk",
        name=name,
        subdomain=workspace.slug,
        enabled=True,
        push_enabled=True,
        pull_enabled=True,
    )
    connection.set_credentials(
        {"email": f"api@{workspace.slug}.test", "api_token": name}
    )
    connection.set_webhook_secret(secret)
    connection.save()
    return connection


def build_tenant(workspace, member, *, tag: str, words: str, secret: str, extra=0):
    """One of every tenant row in `workspace`, their texts starting with `words`."""
    calendar = Calendar.objects.create(
        workspace=workspace, name=f"{words} hours", is_24x7=True
    )
    policy = SlaPolicy.objects.create(
        workspace=workspace, name=f"{words} policy", calendar=calendar
    )
    for priority in Ticket.Priority.values:
        SlaPolicyTarget.objects.create(
            policy=policy, priority=priority, metric="first_response", minutes=60
        )
    connection = _connection(workspace, f"{words} Zendesk", secret)
    team = TeamFactory(workspace=workspace, name=f"{words} Night Shift")
    team.members.add(member)
    label = LabelFactory(workspace=workspace, name=f"{words}Label")
    contact = ContactFactory(
        workspace=workspace, name=f"{words} Carol", email=f"carol@{words.lower()}.test"
    )
    conversation = conversations.conversation_create(
        workspace=workspace,
        contact=contact,
        external_id=f"{words.lower()}-chat-77",
        messages=[
            {
                "author_kind": "contact",
                "body": f"{words} customer words",
                "sent_at": timezone.now(),
            }
        ],
    )
    for n in range(extra):
        services.ticket_create(
            workspace=workspace, actor=member, subject=f"{words} filler {n}"
        )
    ticket = services.ticket_create(
        workspace=workspace,
        actor=member,
        subject=f"{words} ticket",
        content=f"{words} content",
        team=team,
        label=label,
        requester=contact,
        tags=[tag],
        primary_conversation=conversation,
        topic=f"{words.lower()}-topic",
        intent=f"{words.lower()}-intent",
        channel=f"{words.lower()}-channel",
    )
    note = f"{words} attached file".encode()
    comment = services.comment_add(
        ticket=ticket,
        actor=member,
        body=f"{words} private note",
        attachments=[(f"{words} file.txt", ContentFile(note), len(note))],
    )
    macro = Macro.objects.create(
        workspace=workspace, name=f"{words} macro", body=f"{words} macro body"
    )
    view = SavedView.objects.create(
        workspace=workspace,
        owner=member,
        name=f"{words} view",
        filters={"team": [str(team.pk)]},
        is_shared=True,
    )
    rule = rules.escalation_rule_create(
        workspace=workspace,
        actor=member,
        values={"name": f"{words} rule", "team": team.pk, "label": label.pk},
    )
    link = ExternalLink.objects.filter(
        ticket=ticket
    ).first() or ExternalLink.objects.create(
        workspace=workspace, connection=connection, ticket=ticket, platform="zendesk"
    )
    ExternalLink.objects.filter(pk=link.pk).update(remote_id=f"{words}-remote-1")
    WebhookEvent.objects.create(
        connection=connection, event_id=f"{words}-evt-1", remote_id=f"{words}-remote-1"
    )
    notification = Notification.objects.create(
        workspace=workspace,
        recipient=member,
        kind="assigned",
        ticket=ticket,
        subject=f"{words} notification",
        body=f"{words} notification body",
    )
    export_job = ExportJob.objects.create(workspace=workspace, requested_by=member)
    channel, _ = Channel.objects.get_or_create(  # one per kind and workspace
        workspace=workspace,
        kind="email",
        defaults={
            "from_email": f"help@{words.lower()}.test",
            "from_name": f"{words} Support",
            "signature": f"{words} signature",
        },
    )
    delivery = Delivery.objects.create(
        workspace=workspace,
        ticket=ticket,
        comment=comment,
        channel=channel,
        route="email",
        thread_key=f"email:{ticket.pk}",
        recipient=contact.email,
        reason=f"{words} delivery reason",
    )
    mailbox = InboundMailbox.objects.create(
        workspace=workspace, address=f"{tag}@inbound.test"
    )
    inbound = InboundEmail.objects.create(
        workspace=workspace,
        mailbox=mailbox,
        source="imap",
        email_message_id=f"<{tag}@customer.test>",
        from_address=contact.email,
        subject=f"{words} inbound subject",
        size=10,
        raw=f"Subject: {words} inbound subject".encode(),
        outcome="threaded",
        conversation=conversation,
    )
    article = kb.article_save(
        workspace=workspace,
        actor=member,
        values={
            "title": f"{words} ticket article",
            "body": f"1. {words} content step",
            "status": "published",
            "label": label,
        },
    )
    insight = kb.insight_refresh(ticket_id=ticket.pk)
    feedback = kb.feedback_record(
        ticket=ticket,
        user=member,
        section="article",
        item=f"article-{article.pk}",
        helpful=True,
        provider=insight.provider,
    )
    invitation, _token = invitations.invitation_create(
        workspace=workspace,
        email=f"{tag}-invitee@example.test",
        role="agent",
        inviter=member,
    )
    return Tenant(
        workspace=workspace,
        member=member,
        ticket=Ticket.objects.get(pk=ticket.pk),
        team=team,
        label=label,
        tag=Tag.objects.get(workspace=workspace, name=tag),
        contact=contact,
        conversation=conversation,
        comment=comment,
        view=view,
        rule=rule,
        connection=connection,
        objects={
            "helpdesk.workspace": workspace,
            "helpdesk.membership": Membership.objects.get(
                workspace=workspace, user=member
            ),
            "helpdesk.team": team,
            "helpdesk.contact": contact,
            "helpdesk.notification": notification,
            "helpdesk.invitation": invitation,
            "tickets.ticket": ticket,
            "tickets.tag": Tag.objects.get(workspace=workspace, name=tag),
            "tickets.label": label,
            "tickets.conversation": conversation,
            "tickets.escalationrule": rule,
            "tickets.ticketevent": TicketEvent.objects.filter(ticket=ticket).first(),
            "tickets.savedview": view,
            "tickets.macro": macro,
            "tickets.attachment": Attachment.objects.get(comment=comment),
            "tickets.exportjob": export_job,
            "sla.calendar": calendar,
            "sla.slapolicy": policy,
            "sla.slatarget": SlaTarget.objects.filter(ticket=ticket).first(),
            "integrations.connection": connection,
            "integrations.externallink": link,
            "integrations.syncop": SyncOp.objects.filter(ticket=ticket).first(),
            "integrations.webhookevent": WebhookEvent.objects.get(
                connection=connection
            ),
            "messaging.channel": channel,
            "messaging.delivery": delivery,
            "messaging.inboundmailbox": mailbox,
            "messaging.inboundemail": inbound,
            "knowledge.article": article,
            "knowledge.ticketinsight": insight,
            "knowledge.insightfeedback": feedback,
        },
    )


@pytest.fixture
def ours(workspace, admin_member):
    """Workspace A, seen by its admin (the most powerful role, so a refusal in the
    sweeps is isolation, not a role check)."""
    admin_member.email = "boss@acme.test"
    admin_member.save()
    return build_tenant(
        workspace, admin_member, tag="acme-tag", words="Acme", secret=A_SECRET
    )


@pytest.fixture
def theirs(other_workspace):
    """Workspace B with B_NUMBER tickets; its member is "globexbob"."""
    bob = MembershipFactory(
        workspace=other_workspace,
        role="admin",
        user__username="globexbob",
        user__email="globexbob@globex.test",
    ).user
    tenant = build_tenant(
        other_workspace,
        bob,
        tag="globex-tag",
        words=f"Globex{B_SUBJECT_WORD}",
        secret=B_SECRET,
        extra=B_NUMBER - 1,
    )
    assert tenant.ticket.number == B_NUMBER
    return tenant


def b_markers(tenant: Tenant) -> list[str]:
    """Strings that exist only in B's rows."""
    return [
        B_SUBJECT_WORD,
        "globexbob",
        "globex-tag",
        str(tenant.ticket.uuid),
        str(tenant.connection.uuid),
    ]


def snapshot(workspace: Workspace) -> dict[str, list[dict]]:
    """Every tenant row of `workspace`, as values, to prove nothing changed."""
    tables = {
        "workspace": Workspace.objects.filter(pk=workspace.pk),
        "members": Membership.objects.filter(workspace=workspace),
        "invitations": Invitation.objects.filter(workspace=workspace),
        "tickets": Ticket.objects.filter(workspace=workspace),
        "comments": Comment.objects.filter(ticket__workspace=workspace),
        "events": TicketEvent.objects.filter(workspace=workspace),
        "views": SavedView.objects.filter(workspace=workspace),
        "rules": EscalationRule.objects.filter(workspace=workspace),
        "conversations": Conversation.objects.filter(workspace=workspace),
        "messages": Message.objects.filter(conversation__workspace=workspace),
        "tags": Tag.objects.filter(workspace=workspace),
        "labels": Label.objects.filter(workspace=workspace),
        "teams": Team.objects.filter(workspace=workspace),
        "contacts": Contact.objects.filter(workspace=workspace),
        "connections": Connection.objects.filter(workspace=workspace),
        "links": ExternalLink.objects.filter(workspace=workspace),
        "sync_ops": SyncOp.objects.filter(workspace=workspace),
        "policies": SlaPolicy.objects.filter(workspace=workspace),
        "clocks": SlaTarget.objects.filter(workspace=workspace),
        "webhook_events": WebhookEvent.objects.filter(connection__workspace=workspace),
        "notifications": Notification.objects.filter(workspace=workspace),
        "channels": Channel.objects.filter(workspace=workspace),
        "deliveries": Delivery.objects.filter(workspace=workspace),
        "ticket_tags": Ticket.tags.through.objects.filter(ticket__workspace=workspace),
        "articles": Article.objects.filter(workspace=workspace),
        "insights": TicketInsight.objects.filter(workspace=workspace),
        "insight_feedback": InsightFeedback.objects.filter(workspace=workspace),
    }
    return {name: list(rows.order_by("pk").values()) for name, rows in tables.items()}


def staff(user):
    """Make `user` back-office staff (not a superuser) and save the password hash."""
    user.is_staff = True
    user.save()
    return get_user_model().objects.get(pk=user.pk)
