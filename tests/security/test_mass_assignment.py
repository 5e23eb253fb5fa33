"""S3: mass assignment. Server-owned fields (workspace, number, created_by, version,
role, sla_policy, id, timestamps, source, resolved_at) sent through every writing
API operation, every agent-UI form and the CSV import are ignored or refused with a
400 naming them, and the stored rows never take them.

The writable fields of each operation come from the OpenAPI schema (and, for the
bodies the schema leaves open, from the services' own field lists); they are
pinned here, so a new writable field fails until someone has looked at it.
"""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from helpdesk.models import Contact, Membership
from integrations.models import Connection
from messaging.models import Channel
from sla.models import SlaPolicy, SlaTarget
from tests.fakes.zendesk import FakeZendesk
from tests.figures import report
from tests.security.conftest import snapshot
from tickets import conversations, services
from tickets.exports import importing
from tickets.intake import serializers
from tickets.models import (
    Comment,
    Conversation,
    EscalationRule,
    Message,
    SavedView,
    Ticket,
)
from tickets.ui.forms import FieldForm

pytestmark = pytest.mark.django_db

PROTECTED = (
    "workspace",
    "number",
    "created_by",
    "version",
    "role",
    "sla_policy",
    "id",
    "created_at",
    "updated_at",
    "source",
    "resolved_at",
)
LONG_AGO = "2001-01-01T00:00:00+00:00"

CONNECTIONS = "/api/v1/workspaces/{workspace_slug}/integrations/connections/"
CHANNELS = "/api/v1/workspaces/{workspace_slug}/channels/"
INVITATIONS = "/api/v1/workspaces/{workspace_slug}/invitations/"
RULE_FIELDS = {
    "name",
    "position",
    "is_active",
    "confidence_below",
    "confidence_above",
    "channels",
    "topics",
    "intents",
    "keywords",
    "email_domains",
    "escalate",
    "priority",
    "team",
    "tags",
    "label",
    "group_within_days",
}
# What each operation may write, from the schema. Review a new field, then add it.
ARTICLE_FIELDS = {"title", "body", "tags", "label", "status"}
WRITABLE = {
    ("post", INVITATIONS): {"email", "role"},
    ("post", "/api/v1/workspaces/{workspace_slug}/articles/"): ARTICLE_FIELDS,
    ("patch", "/api/v1/workspaces/{workspace_slug}/articles/{id}/"): ARTICLE_FIELDS,
    (
        "post",
        "/api/v1/workspaces/{workspace_slug}/tickets/{number}/insights/feedback/",
    ): {"section", "item", "helpful"},
    ("post", "/api/v1/workspaces/{workspace_slug}/conversations/{id}/messages/"): {
        "messages"
    },
    ("post", "/api/v1/workspaces/{workspace_slug}/conversations/{id}/tickets/"): {
        "assignee",
        "label",
        "priority",
        "subject",
        "tags",
        "team",
    },
    # The rule input serializer is the schema now; same fields as the services'.
    ("post", "/api/v1/workspaces/{workspace_slug}/escalation-rules/"): RULE_FIELDS,
    ("patch", "/api/v1/workspaces/{workspace_slug}/escalation-rules/{id}/"): (
        RULE_FIELDS
    ),
    ("post", "/api/v1/workspaces/{workspace_slug}/escalations/"): {
        "ai_raw_response",
        "answer",
        "confidence",
        "conversation",
        "escalate",
        "event_id",
        "intent",
        "priority",
        "question",
        "reason",
        "subject",
        "topic",
    },
    ("post", "/api/v1/workspaces/{workspace_slug}/tickets/"): {
        "answer",
        "assignee",
        "channel",
        "confidence",
        "content",
        "intent",
        "label",
        "primary_conversation",
        "priority",
        "question",
        "requester",
        "status",
        "subject",
        "summary",
        "tags",
        "team",
        "topic",
    },
    ("patch", "/api/v1/workspaces/{workspace_slug}/tickets/{ref}/"): {
        "answer",
        "assignee",
        "channel",
        "confidence",
        "content",
        "intent",
        "label",
        "priority",
        "question",
        "requester",
        "subject",
        "summary",
        "tags",
        "team",
        "topic",
    },
    ("post", "/api/v1/workspaces/{workspace_slug}/tickets/{ref}/assign/"): {"assignee"},
    ("post", "/api/v1/workspaces/{workspace_slug}/tickets/{ref}/comments/"): {
        "body",
        "files",
        "is_public",
        "macro",
        "route",
    },
    **{
        (method, path): {
            "add_tags",
            "body",
            "name",
            "personal",
            "set_assignee",
            "set_priority",
            "set_status",
        }
        for method, path in [
            ("post", "/api/v1/workspaces/{workspace_slug}/macros/"),
            ("patch", "/api/v1/workspaces/{workspace_slug}/macros/{id}/"),
        ]
    },
    ("post", "/api/v1/workspaces/{workspace_slug}/tickets/{ref}/snooze/"): {"until"},
    ("post", "/api/v1/workspaces/{workspace_slug}/tickets/{ref}/transition/"): {
        "comment",
        "status",
    },
    ("post", "/api/v1/workspaces/{workspace_slug}/tickets/bulk/"): {
        "action",
        "filters",
        "params",
        "tickets",
    },
    ("post", "/api/v1/workspaces/{workspace_slug}/views/"): {
        "filters",
        "is_pinned",
        "is_shared",
        "name",
        "position",
    },
    ("patch", "/api/v1/workspaces/{workspace_slug}/views/{id}/"): {
        "filters",
        "is_pinned",
        "is_shared",
        "name",
        "position",
    },
    **{
        (method, path): {
            "base_url",
            "credentials",
            "enabled",
            "first_pull_hours",
            "name",
            "platform",
            "pull_enabled",
            "push_enabled",
            "rate_limit",
            "rate_period",
            "subdomain",
            "webhook_secret",
        }
        for method, path in (
            ("post", CONNECTIONS),
            ("put", CONNECTIONS + "{uuid}/"),
            ("patch", CONNECTIONS + "{uuid}/"),
        )
    },
    **{
        (method, path): {
            "callback_url",
            "enabled",
            "from_email",
            "from_name",
            "kind",
            "secret",
            "signature",
        }
        for method, path in (
            ("post", CHANNELS),
            ("put", CHANNELS + "{uuid}/"),
            ("patch", CHANNELS + "{uuid}/"),
        )
    },
}
# Bodies the schema leaves open are checked by the services' field lists.
IMPORT_COLUMNS = {
    "ref",
    "subject",
    "status",
    "priority",
    "assignee_email",
    "team",
    "requester_email",
    "requester_name",
    "tags",
    "label",
    "topic",
    "intent",
    "channel",
    "confidence",
    "content",
}
PANEL_FIELDS = {
    "priority",
    "assignee",
    "team",
    "label",
    "subject",
    "content",
    "topic",
    "intent",
}


def _writable(schema, operation) -> set[str]:
    content = operation["requestBody"]["content"]
    body = content.get("application/json") or next(iter(content.values()))
    body = body["schema"]
    if "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    return {
        name
        for name, prop in body.get("properties", {}).items()
        if not prop.get("readOnly")
    }


def test_writable_fields_are_pinned_and_never_server_owned():
    schema = SchemaGenerator().get_schema(public=True)
    found = {
        (method, path): _writable(schema, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    }
    assert found == WRITABLE
    lists = {
        "rules": set(serializers.RULE_FIELDS),
        "import": importing.IMPORTABLE,
        "panel": set(FieldForm.FIELDS),
        "ticket_update": set(services.EDITABLE_FIELDS) - {"summary_by"},
    }
    assert lists["rules"] == RULE_FIELDS
    assert lists["import"] == IMPORT_COLUMNS
    assert lists["panel"] == PANEL_FIELDS
    for name, fields in [*found.items(), *lists.items()]:
        # An admin names the role an invitee will get: there "role" is the input
        # (members.manage only), not the caller's own role.
        reviewed = {"role"} if name == ("post", INVITATIONS) else set()
        assert not (set(fields) - reviewed) & set(PROTECTED), name


# --- the writes ---


@pytest.fixture
def fake_zendesk(settings):
    settings.SYNC_ALLOW_LOCAL_URLS = True
    fake = FakeZendesk().start()
    yield fake
    fake.stop()


TRACKED = {
    Ticket: ("workspace_id", "number", "created_by_id", "version", "created_at")
    + ("updated_at", "source", "resolved_at", "uuid"),
    Comment: ("ticket_id", "author_id", "created_at"),
    SavedView: ("workspace_id", "owner_id", "created_at"),
    EscalationRule: ("workspace_id", "created_at", "updated_at"),
    Conversation: ("workspace_id",),
    Message: ("conversation_id",),
    Connection: ("workspace_id", "uuid", "created_at"),
    Membership: ("workspace_id", "user_id", "role", "created_at"),
    Contact: ("workspace_id",),
    SlaTarget: ("workspace_id", "ticket_id", "policy_id"),
}
# May change on a legitimate write, but never to the value sent.
MOVING = {"version", "updated_at", "resolved_at"}


def rows(*workspaces):
    """The tracked columns of every row of `workspaces`, by (model, pk)."""
    state = {}
    for workspace in workspaces:
        state.update(_rows(workspace))
    return state


def _rows(workspace):
    state = {}
    for model, attrs in TRACKED.items():
        key = "workspace" if hasattr(model, "workspace") else None
        queryset = model.objects.all()
        if key is None and model is Comment:
            queryset = queryset.filter(ticket__workspace=workspace)
        elif key is None:
            queryset = queryset.filter(conversation__workspace=workspace)
        else:
            queryset = queryset.filter(workspace=workspace)
        for row in queryset.values("pk", *attrs):
            state[(model.__name__, row.pop("pk"))] = row
    return state


class Checker:
    def __init__(self, workspace, other):
        self.workspace, self.other = workspace, other
        self.attempted = 0
        self.changed: list[str] = []
        self.policy = SlaPolicy.objects.filter(workspace=other).first()
        self.their_user = other.memberships.first().user_id
        self.sent = {
            "workspace": ("workspace_id", other.pk),
            "number": ("number", 9999),
            "created_by": ("created_by_id", self.their_user),
            "version": ("version", 999),
            "sla_policy": ("policy_id", self.policy.pk),
            "created_at": ("created_at", LONG_AGO),
            "updated_at": ("updated_at", LONG_AGO),
            "source": ("source", "external"),
            "resolved_at": ("resolved_at", LONG_AGO),
        }

    def hostile(self, role_now: str) -> dict:
        return {
            "workspace": self.other.pk,
            "number": 9999,
            "created_by": self.their_user,
            "version": 999,
            "role": "agent" if role_now == "admin" else "admin",
            "sla_policy": self.policy.pk,
            "id": 999_999,
            "created_at": LONG_AGO,
            "updated_at": LONG_AGO,
            "source": "external",
            "resolved_at": LONG_AGO,
        }

    def compare(self, before, after, what, field):
        for key, row in after.items():
            old = before.get(key)
            for attr, value in row.items():
                sent_value = self._sent(field, attr)
                taken = old is None or old[attr] != value
                if sent_value is not None and taken and _same(value, sent_value):
                    self.changed.append(f"{what}: {key} {attr}={value!r}")
                elif old is not None and attr not in MOVING and old[attr] != value:
                    if not (key[0] == "Membership" and attr == "role"):
                        self.changed.append(f"{what}: {key} {attr} {old[attr]!r}")
                    elif field == "role":
                        self.changed.append(f"{what}: role {old[attr]}->{value}")
            if key[1] == 999_999:
                self.changed.append(f"{what}: row created with the id sent")
            if old is None and row.get("workspace_id", self.workspace.pk) != (
                self.workspace.pk
            ):
                self.changed.append(f"{what}: {key} written into another workspace")

    def _sent(self, field, attr):
        if field in self.sent and self.sent[field][0] == attr:
            return self.sent[field][1]
        return None


def _same(value, sent) -> bool:
    if hasattr(value, "year") and isinstance(sent, str):
        return value.year == 2001
    return value == sent


def _soon():
    return (timezone.now() + timedelta(hours=3)).isoformat()


def api_writes(ours, fake):
    """(method, path) -> (caller role, url factory, valid body factory)."""
    base = "/api/v1/workspaces/acme"
    integ = "/api/v1/workspaces/acme/integrations"

    def ticket():
        return services.ticket_create(
            workspace=ours.workspace, actor=ours.member, subject="t"
        )

    def conversation():
        return conversations.conversation_create(
            workspace=ours.workspace, external_id=f"m-{timezone.now().timestamp()}"
        )

    def connection():
        return Connection.objects.filter(workspace=ours.workspace).first()

    connection_body = {
        "platform": "zendesk",
        "name": "conn",
        "subdomain": "acme",
        "base_url": fake.url,
        "credentials": {"email": "a@acme.test", "api_token": "t" * 12},
    }
    T = "/api/v1/workspaces/{workspace_slug}/tickets/"
    N = "/api/v1/workspaces/{workspace_slug}/integrations/connections/"
    return {
        ("post", "/api/v1/workspaces/{workspace_slug}/conversations/{id}/messages/"): (
            "agent",
            lambda: f"{base}/conversations/{conversation().pk}/messages/",
            lambda: {
                "messages": [
                    {"author_kind": "contact", "body": "b", "sent_at": _soon()}
                ]
            },
        ),
        ("post", "/api/v1/workspaces/{workspace_slug}/conversations/{id}/tickets/"): (
            "agent",
            lambda: f"{base}/conversations/{conversation().pk}/tickets/",
            lambda: {"subject": "s"},
        ),
        ("post", "/api/v1/workspaces/{workspace_slug}/escalation-rules/"): (
            "manager",
            lambda: f"{base}/escalation-rules/",
            lambda: {"name": "r"},
        ),
        ("patch", "/api/v1/workspaces/{workspace_slug}/escalation-rules/{id}/"): (
            "manager",
            lambda: f"{base}/escalation-rules/{ours.rule.pk}/",
            lambda: {"name": "r2"},
        ),
        ("post", "/api/v1/workspaces/{workspace_slug}/escalations/"): (
            "agent",
            lambda: f"{base}/escalations/",
            lambda: {
                "conversation": {
                    "external_id": f"e-{timezone.now().timestamp()}",
                    "messages": [
                        {"author_kind": "contact", "body": "hi", "sent_at": _soon()}
                    ],
                },
                "escalate": True,
            },
        ),
        ("post", T): ("agent", lambda: f"{base}/tickets/", lambda: {"subject": "s"}),
        ("patch", T + "{ref}/"): (
            "agent",
            lambda: f"{base}/tickets/{ticket().number}/",
            lambda: {"priority": 4},
        ),
        ("post", T + "{ref}/assign/"): (
            "agent",
            lambda: f"{base}/tickets/{ticket().number}/assign/",
            lambda: {"assignee": None},
        ),
        ("post", T + "{ref}/comments/"): (
            "agent",
            lambda: f"{base}/tickets/{ticket().number}/comments/",
            lambda: {"body": "c"},
        ),
        ("post", T + "{ref}/snooze/"): (
            "agent",
            lambda: f"{base}/tickets/{ticket().number}/snooze/",
            lambda: {"until": _soon()},
        ),
        ("post", T + "{ref}/transition/"): (
            "agent",
            lambda: f"{base}/tickets/{ticket().number}/transition/",
            lambda: {"status": "resolved"},
        ),
        ("post", T + "bulk/"): (
            "agent",
            lambda: f"{base}/tickets/bulk/",
            lambda: {
                "action": "status",
                "tickets": [ticket().number],
                "params": {"status": "resolved"},
            },
        ),
        ("post", "/api/v1/workspaces/{workspace_slug}/views/"): (
            "agent",
            lambda: f"{base}/views/",
            lambda: {"name": f"v{timezone.now().timestamp()}"},
        ),
        ("patch", "/api/v1/workspaces/{workspace_slug}/views/{id}/"): (
            "admin",
            lambda: f"{base}/views/{ours.view.pk}/",
            lambda: {"name": "renamed"},
        ),
        ("post", "/api/v1/workspaces/{workspace_slug}/macros/"): (
            "agent",
            lambda: f"{base}/macros/",
            lambda: {"name": "m", "body": "Hi {{ requester.first_name }}"},
        ),
        ("patch", "/api/v1/workspaces/{workspace_slug}/macros/{id}/"): (
            "admin",
            lambda: f"{base}/macros/{ours.objects['tickets.macro'].pk}/",
            lambda: {"name": "renamed"},
        ),
        ("post", N): (
            "admin",
            lambda: f"{integ}/connections/",
            lambda: {**connection_body, "name": f"c{timezone.now().timestamp()}"},
        ),
        ("put", N + "{uuid}/"): (
            "admin",
            lambda: f"{integ}/connections/{connection().uuid}/",
            lambda: connection_body,
        ),
        ("patch", N + "{uuid}/"): (
            "admin",
            lambda: f"{integ}/connections/{connection().uuid}/",
            lambda: {"name": "renamed"},
        ),
        **channel_writes(ours, base),
        **knowledge_writes(ours, base, ticket),
        ("post", INVITATIONS): (
            "admin",
            lambda: f"{base}/invitations/",
            lambda: {"email": f"i{timezone.now().timestamp()}@x.test", "role": "agent"},
        ),
    }


def knowledge_writes(ours, base, ticket):
    """Articles (managers write them) and feedback on a ticket's insights."""
    from knowledge.models import Article

    def article():
        article, _ = Article.objects.get_or_create(
            workspace=ours.workspace, title="Reset a password", defaults={"body": "x"}
        )
        return article

    return {
        ("post", "/api/v1/workspaces/{workspace_slug}/articles/"): (
            "manager",
            lambda: f"{base}/articles/",
            lambda: {"title": f"a{timezone.now().timestamp()}", "body": "Steps"},
        ),
        ("patch", "/api/v1/workspaces/{workspace_slug}/articles/{id}/"): (
            "manager",
            lambda: f"{base}/articles/{article().pk}/",
            lambda: {"title": "renamed"},
        ),
        (
            "post",
            "/api/v1/workspaces/{workspace_slug}/tickets/{number}/insights/feedback/",
        ): (
            "agent",
            lambda: f"{base}/tickets/{ticket().number}/insights/feedback/",
            lambda: {"section": "article", "item": "a-1", "helpful": True},
        ),
    }


def channel_writes(ours, base):
    """The reply channels API: a fresh e-mail channel for every create."""
    body = {"kind": "email", "from_email": "help@acme.example"}

    def channel():
        channel, _ = Channel.objects.get_or_create(
            workspace=ours.workspace,
            kind="email",
            defaults={"from_email": "h@a.example"},
        )
        return channel

    def none_yet():
        Channel.objects.filter(workspace=ours.workspace).delete()
        return dict(body)

    return {
        ("post", CHANNELS): ("manager", lambda: f"{base}/channels/", none_yet),
        ("put", CHANNELS + "{uuid}/"): (
            "manager",
            lambda: f"{base}/channels/{channel().uuid}/",
            lambda: dict(body),
        ),
        ("patch", CHANNELS + "{uuid}/"): (
            "manager",
            lambda: f"{base}/channels/{channel().uuid}/",
            lambda: {"from_name": "renamed"},
        ),
    }


def test_api_writes_ignore_or_refuse_server_owned_fields(
    ours, theirs, agent, manager, fake_zendesk
):
    users = {"agent": agent, "manager": manager, "admin": ours.member}
    # Our connection points at the local fake, so "test" makes a real request.
    ours.connection.base_url = fake_zendesk.url
    ours.connection.save()
    before_b = snapshot(theirs.workspace)
    check = Checker(ours.workspace, theirs.workspace)
    writes = api_writes(ours, fake_zendesk)
    assert set(writes) == set(WRITABLE)
    refused_without_naming = []
    for (method, path), (role, url, body) in writes.items():
        client = APIClient()
        client.force_authenticate(users[role])
        hostile = check.hostile(role)
        for field in PROTECTED:
            check.attempted += 1
            target = url()
            before = rows(ours.workspace, theirs.workspace)
            answer = getattr(client, method)(
                target,
                {**body(), field: hostile[field]},
                format="json",
                HTTP_IF_MATCH="*",
            )
            if answer.status_code == 400:
                if field not in answer.json().get("errors", {}):
                    refused_without_naming.append(f"{method} {path} {field}")
            elif not 200 <= answer.status_code < 300:
                refused_without_naming.append(
                    f"{method} {path} {field}: {answer.status_code}"
                )
            check.compare(
                before,
                rows(ours.workspace, theirs.workspace),
                f"{method} {path}",
                field,
            )
    assert not refused_without_naming, "\n".join(refused_without_naming)
    assert not check.changed, "\n".join(check.changed)
    assert snapshot(theirs.workspace) == before_b
    report(
        "S3",
        {"fields_changed": 0},
        surface="api",
        operations=len(writes),
        fields_attempted=check.attempted,
        fields_changed=len(check.changed),
    )


def test_agent_forms_and_import_ignore_or_refuse_server_owned_fields(
    client, ours, theirs, agent, manager
):
    check = Checker(ours.workspace, theirs.workspace)
    before_b = snapshot(theirs.workspace)

    def ticket():
        return services.ticket_create(
            workspace=ours.workspace, actor=agent, subject="t"
        )

    def numbered(suffix, data):
        def make():
            t = ticket()
            return f"/w/acme/tickets/{t.number}/{suffix}", {
                **data,
                "version": t.version,
            }

        return make

    forms = {
        "status": numbered("status/", {"status": "in_progress"}),
        "field": numbered("field/", {"field": "priority", "value": "2"}),
        "tags": numbered("tags/", {"add": "x"}),
        "comment": numbered("comment/", {"body": "hi"}),
        "snooze": numbered("snooze/", {"until": _soon()}),
        "move": numbered("move/", {"status": "in_progress"}),
        "from_conversation": lambda: (
            f"/w/acme/conversations/{ours.conversation.pk}/ticket/",
            # A conversation that feeds an open ticket asks to confirm another.
            {"subject": "s", "confirm_another": "1"},
        ),
        "view_create": lambda: ("/w/acme/views/", {"name": "formview"}),
        "bulk": lambda: (
            "/w/acme/tickets/bulk/",
            {"action": "priority", "numbers": [ticket().number], "priority": 2},
        ),
    }
    client.force_login(agent)
    hostile = check.hostile("agent")
    for name, make in forms.items():
        for field in PROTECTED:
            check.attempted += 1
            url, data = make()
            before = rows(ours.workspace, theirs.workspace)
            answer = client.post(url, {**data, field: hostile[field]})
            # `version` is the forms' own concurrency token: a wrong one is a 409.
            expected = (200, 302, 409) if field == "version" else (200, 302)
            assert answer.status_code in expected, (name, field, answer.status_code)
            check.compare(before, rows(ours.workspace, theirs.workspace), name, field)
    # The panel's one-field form: a server-owned name is not a field it takes.
    for field in PROTECTED:
        check.attempted += 1
        url, data = numbered("field/", {})()
        before = rows(ours.workspace, theirs.workspace)
        answer = client.post(url, {**data, "field": field, "value": hostile[field]})
        assert answer.status_code == 422, field
        check.compare(
            before, rows(ours.workspace, theirs.workspace), "field form", field
        )

    # The CSV import: a server-owned column is refused (unknown) or ignored (an
    # export-only column), for new rows and for updates.
    client.force_login(manager)
    existing = ticket()
    for field in PROTECTED:
        for ref in ("", existing.ref):
            check.attempted += 1
            value = hostile[field]
            text = f"ref,subject,{field}\n{ref},Imported,{value}\n"
            before = rows(ours.workspace, theirs.workspace)
            preview = client.post("/w/acme/reports/import/", {"file": _upload(text)})
            result = preview.context["result"]
            if preview.status_code == 400:
                problems = " ".join(result.file_errors) + " ".join(
                    e.column for e in result.errors
                )
                assert field in problems, (field, problems)
            else:
                assert preview.status_code == 200, field
                confirm = client.post(
                    "/w/acme/reports/import/",
                    {"confirm": preview.context["token"]},
                )
                assert confirm.status_code == 200, field
            check.compare(
                before, rows(ours.workspace, theirs.workspace), "import", field
            )
    assert not check.changed, "\n".join(check.changed)
    assert Membership.objects.get(user=agent).role == "agent"
    assert snapshot(theirs.workspace) == before_b
    report(
        "S3",
        {"fields_changed": 0},
        surface="ui+import",
        fields_attempted=check.attempted,
        fields_changed=len(check.changed),
    )


def _upload(text):
    upload = io.BytesIO(text.encode())
    upload.name = "tickets.csv"
    return upload


def test_admin_never_moves_a_row_to_another_workspace(client, ours, theirs):
    """Staff who are admins of both workspaces still cannot move a row of A into
    B from its change form (its tickets or links would then point across)."""
    from django.contrib import admin
    from django.test import RequestFactory

    user = ours.member
    Membership.objects.create(workspace=theirs.workspace, user=user, role="admin")
    user.is_staff = True
    user.save()
    request = RequestFactory().get("/admin/")
    request.user = user
    attempted = changed = 0
    for model, model_admin in admin.site._registry.items():
        obj = ours.objects.get(model._meta.label_lower)
        if obj is None or not any(f.name == "workspace" for f in model._meta.fields):
            continue
        attempted += 1
        form = model_admin.get_form(request, obj, change=True)
        if "workspace" in form.base_fields:
            changed += 1
    # And by POST, on a plain form: the value sent is ignored.
    contact = ours.contact
    client.force_login(user)
    answer = client.post(
        f"/admin/helpdesk/contact/{contact.pk}/change/",
        {
            "name": contact.name,
            "email": contact.email,
            "external_id": "",
            "workspace": theirs.workspace.pk,
        },
    )
    assert answer.status_code == 302
    contact.refresh_from_db()
    attempted += 1
    changed += contact.workspace_id != ours.workspace.pk
    report(
        "S3",
        {"fields_changed": 0},
        surface="admin",
        fields_attempted=attempted,
        fields_changed=changed,
    )
