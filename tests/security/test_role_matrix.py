"""S2: the roles matrix, cell by cell, on the API, the agent UI and the admin.

The README's "Roles matrix" is written down here as data (and checked against the
README text and helpdesk.permissions). Every operation of the OpenAPI schema, every
form and htmx endpoint of the agent UI, the report/export/import pages and the
add/change/delete of every admin model is then called by an agent, a manager and
an admin, and each answer must say what the matrix says: allowed is 2xx/3xx;
refused is 403 on the API, 403/404 in the agent UI, no permission in the admin.
"""

import io
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from helpdesk import invitations
from helpdesk.permissions import MINIMUM_ROLE, RANK
from integrations import services as connection_services
from knowledge import services as kb
from messaging import services as channel_services
from messaging.models import Channel
from tests.factories import MembershipFactory, make_ticket
from tests.fakes.zendesk import FakeZendesk
from tests.figures import at_least, report
from tests.security.conftest import build_tenant
from tests.security.test_isolation_sweep import schema_operations
from tickets import conversations, services
from tickets.intake import rules
from tickets.models import ExportJob, Macro, SavedView

pytestmark = pytest.mark.django_db

ROLES = ("agent", "manager", "admin")
ALL, MANAGERS, ADMINS, NOBODY = set(ROLES), {"manager", "admin"}, {"admin"}, set()

# The README's "Roles matrix", one row per line of its table.
README_MATRIX = {
    "View tickets, timeline, history, conversations, tags, labels, teams, members, "
    "stats": ALL,
    "Create tickets": ALL,
    "Edit, transition, assign, snooze tickets": ALL,
    "Comment (internal or public)": ALL,
    "Bulk actions (except delete)": ALL,
    "Delete tickets (single or bulk)": MANAGERS,
    "Personal saved views (own)": ALL,
    "Share saved views; edit or delete shared views": MANAGERS,
    "Personal macros (own)": ALL,
    "Workspace macros: make, edit, delete": MANAGERS,
    "Export / import, reports, SLA policies, escalation rules": MANAGERS,
    "Reply channels (chat callback, e-mail sender)": MANAGERS,
    "Knowledge base: write, edit, delete articles; article from a ticket": MANAGERS,
    "Members, integrations, workspace settings": ADMINS,
}
# Which README row each permission key (and "views.own") is.
ROW_OF = {
    "ticket.view": "View tickets, timeline, history, conversations, tags, labels, "
    "teams, members, stats",
    "ticket.create": "Create tickets",
    "ticket.edit": "Edit, transition, assign, snooze tickets",
    "ticket.comment": "Comment (internal or public)",
    "ticket.bulk": "Bulk actions (except delete)",
    "ticket.delete": "Delete tickets (single or bulk)",
    "views.own": "Personal saved views (own)",
    "views.share": "Share saved views; edit or delete shared views",
    "macros.own": "Personal macros (own)",
    "macros.manage": "Workspace macros: make, edit, delete",
    "ticket.export": "Export / import, reports, SLA policies, escalation rules",
    "ticket.import": "Export / import, reports, SLA policies, escalation rules",
    "reports.view": "Export / import, reports, SLA policies, escalation rules",
    "sla.manage": "Export / import, reports, SLA policies, escalation rules",
    "rules.manage": "Export / import, reports, SLA policies, escalation rules",
    "channels.manage": "Reply channels (chat callback, e-mail sender)",
    "articles.manage": "Knowledge base: write, edit, delete articles; article from "
    "a ticket",
    "members.manage": "Members, integrations, workspace settings",
    "integrations.manage": "Members, integrations, workspace settings",
    "workspace.manage": "Members, integrations, workspace settings",
}


def allowed(key: str) -> set[str]:
    return NOBODY if key is None else README_MATRIX[ROW_OF[key]]


def test_the_matrix_here_is_the_readme_and_permissions_py():
    text = (Path(__file__).parents[2] / "README.md").read_text()
    table = text.split("### Roles matrix", 1)[1].split("\n\n(", 1)[0]
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[1] in ("✓", "–"):
            rows[cells[0]] = {
                r for r, c in zip(ROLES, cells[1:], strict=True) if c == "✓"
            }
    assert rows == README_MATRIX
    code = {"agent": "agent", "manager": "manager", "admin": "admin"}
    for key, minimum in MINIMUM_ROLE.items():
        in_code = {r for r in ROLES if RANK[code[r]] >= RANK[minimum]}
        assert in_code == allowed(key), key


# --- the cells ---


@pytest.fixture
def fake_zendesk(settings):
    settings.SYNC_ALLOW_LOCAL_URLS = True
    settings.SYNC_HTTP_TIMEOUT = (1.0, 1.0)
    fake = FakeZendesk().start()
    yield fake
    fake.stop()


@pytest.fixture
def people(workspace, agent, manager, admin_member):
    users = {"agent": agent, "manager": manager, "admin": admin_member}
    for user in users.values():
        user.is_staff = True
        user.save()
    build_tenant(workspace, admin_member, tag="acme-tag", words="Acme", secret="x" * 20)
    return users


class World:
    """Fresh rows for one cell, so each call finds what it acts on."""

    def __init__(self, workspace, users, fake):
        self.workspace, self.users, self.fake = workspace, users, fake

    def ticket(self, **fields):
        return make_ticket(self.workspace, self.users["admin"], **fields)

    def conversation(self):
        return conversations.conversation_create(
            workspace=self.workspace, external_id=f"c-{timezone.now().timestamp()}"
        )

    def view(self, owner, shared=False):
        return SavedView.objects.create(
            workspace=self.workspace, owner=owner, name="v", is_shared=shared
        )

    def macro(self, owner=None):
        return Macro.objects.create(workspace=self.workspace, owner=owner, name="m")

    def attachment(self):
        comment = services.comment_add(
            ticket=self.ticket(),
            actor=None,
            body="file",
            attachments=[("a.txt", ContentFile(b"hello"), 5)],
        )
        return comment.attachments.get()

    def rule(self):
        return rules.escalation_rule_create(
            workspace=self.workspace, actor=None, values={"name": "r"}
        )

    def article(self):
        return kb.article_save(
            workspace=self.workspace,
            actor=None,
            values={"title": "a", "body": "b", "status": "published"},
        )

    def channel(self, fresh: bool = True):
        """The workspace's e-mail channel, made anew (one of each kind at most)."""
        Channel.objects.filter(workspace=self.workspace).delete()
        if not fresh:
            return None
        return channel_services.channel_save(
            workspace=self.workspace,
            actor=None,
            values={"kind": "email", "from_email": "help@acme.example"},
        )

    def connection(self):
        return connection_services.connection_save(
            workspace=self.workspace,
            actor=None,
            values={
                "platform": "zendesk",
                "name": "z",
                "subdomain": "acme",
                "base_url": self.fake.url,
                "credentials": {"email": "a@acme.test", "api_token": "t" * 12},
            },
        )


def _soon():
    return (timezone.now() + timedelta(hours=2)).isoformat()


def api_cells(w: World, user):
    """(operation, variant) -> (permission key, url, body). Every schema operation
    has at least one variant; views and bulk have one per matrix row they touch."""
    base = "/api/v1/workspaces/acme"
    integ = "/api/v1/workspaces/acme/integrations"

    def t():
        return w.ticket().number

    def snoozed():
        ticket = w.ticket()
        services.ticket_snooze(
            ticket=ticket, until=timezone.now() + timedelta(1), actor=None
        )
        return ticket.number

    other = w.users["admin"] if user != w.users["admin"] else w.users["manager"]
    intake = {
        "conversation": {
            "external_id": f"x-{timezone.now().timestamp()}",
            "messages": [{"author_kind": "contact", "body": "hi", "sent_at": _soon()}],
        },
        "escalate": True,
    }
    connection_body = {
        "platform": "zendesk",
        "name": "z2",
        "subdomain": "acme",
        "base_url": w.fake.url,
        "credentials": {"email": "a@acme.test", "api_token": "t" * 12},
    }
    T = "/api/v1/workspaces/{workspace_slug}/tickets/"
    V = "/api/v1/workspaces/{workspace_slug}/views/"
    R = "/api/v1/workspaces/{workspace_slug}/escalation-rules/"
    C = "/api/v1/workspaces/{workspace_slug}/conversations/"
    N = "/api/v1/workspaces/{workspace_slug}/integrations/connections/"
    M = "/api/v1/workspaces/{workspace_slug}/macros/"
    return {
        **macro_api_cells(w, user, base, M),
        (("get", "/api/v1/workspaces/{workspace_slug}/attachments/{key}/"), ""): (
            "ticket.view",
            lambda: f"{base}/attachments/{w.attachment().key}/",
            None,
        ),
        (("get", "/api/schema/"), ""): (None, "/api/schema/", None),
        (("get", C), ""): ("ticket.view", f"{base}/conversations/", None),
        (("get", C + "{id}/messages/"), ""): (
            "ticket.view",
            lambda: f"{base}/conversations/{w.conversation().pk}/messages/",
            None,
        ),
        (("get", C + "{id}/"), ""): (
            "ticket.view",
            lambda: f"{base}/conversations/{w.conversation().pk}/",
            None,
        ),
        (("post", C + "{id}/messages/"), ""): (
            "ticket.edit",
            lambda: f"{base}/conversations/{w.conversation().pk}/messages/",
            {"messages": [{"author_kind": "contact", "body": "b", "sent_at": _soon()}]},
        ),
        (("post", C + "{id}/close/"), ""): (
            "ticket.edit",
            lambda: f"{base}/conversations/{w.conversation().pk}/close/",
            {},
        ),
        (("post", C + "{id}/tickets/"), ""): (
            "ticket.create",
            lambda: f"{base}/conversations/{w.conversation().pk}/tickets/",
            {"subject": "s"},
        ),
        (("get", R), ""): ("ticket.view", f"{base}/escalation-rules/", None),
        (("post", R), ""): ("rules.manage", f"{base}/escalation-rules/", {"name": "n"}),
        (("get", R + "{id}/"), ""): (
            "ticket.view",
            lambda: f"{base}/escalation-rules/{w.rule().pk}/",
            None,
        ),
        (("patch", R + "{id}/"), ""): (
            "rules.manage",
            lambda: f"{base}/escalation-rules/{w.rule().pk}/",
            {"name": "m"},
        ),
        (("delete", R + "{id}/"), ""): (
            "rules.manage",
            lambda: f"{base}/escalation-rules/{w.rule().pk}/",
            None,
        ),
        (("post", "/api/v1/workspaces/{workspace_slug}/escalations/"), ""): (
            "ticket.create",
            f"{base}/escalations/",
            intake,
        ),
        **{
            (("get", f"/api/v1/workspaces/{{workspace_slug}}/{name}/"), ""): (
                "ticket.view",
                f"{base}/{name}/",
                None,
            )
            for name in ("labels", "members", "tags", "teams", "contacts")
        },
        (("get", T), ""): ("ticket.view", f"{base}/tickets/", None),
        (("get", T + "export/"), ""): (
            "ticket.export",
            f"{base}/tickets/export/",
            None,
        ),
        (("post", T), ""): ("ticket.create", f"{base}/tickets/", {"subject": "s"}),
        (("get", T + "{ref}/"), ""): (
            "ticket.view",
            lambda: f"{base}/tickets/{t()}/",
            None,
        ),
        (("patch", T + "{ref}/"), ""): (
            "ticket.edit",
            lambda: f"{base}/tickets/{t()}/",
            {"priority": 2},
        ),
        (("delete", T + "{ref}/"), ""): (
            "ticket.delete",
            lambda: f"{base}/tickets/{t()}/",
            None,
        ),
        (("post", T + "{ref}/assign/"), ""): (
            "ticket.edit",
            lambda: f"{base}/tickets/{t()}/assign/",
            {"assignee": None},
        ),
        (("get", T + "{ref}/comments/"), ""): (
            "ticket.view",
            lambda: f"{base}/tickets/{t()}/comments/",
            None,
        ),
        (("post", T + "{ref}/comments/"), ""): (
            "ticket.comment",
            lambda: f"{base}/tickets/{t()}/comments/",
            {"body": "c", "is_public": True},
        ),
        **{
            (("get", T + f"{{ref}}/{name}/"), ""): (
                "ticket.view",
                lambda name=name: f"{base}/tickets/{t()}/{name}/",
                None,
            )
            for name in ("events", "history")
        },
        (("post", T + "{ref}/snooze/"), ""): (
            "ticket.edit",
            lambda: f"{base}/tickets/{t()}/snooze/",
            {"until": _soon()},
        ),
        (("post", T + "{ref}/transition/"), ""): (
            "ticket.edit",
            lambda: f"{base}/tickets/{t()}/transition/",
            {"status": "in_progress"},
        ),
        (("post", T + "{ref}/unsnooze/"), ""): (
            "ticket.edit",
            lambda: f"{base}/tickets/{snoozed()}/unsnooze/",
            None,
        ),
        (("post", T + "bulk/"), "priority"): (
            "ticket.bulk",
            lambda: f"{base}/tickets/bulk/",
            lambda: {"action": "priority", "tickets": [t()], "params": {"priority": 2}},
        ),
        (("post", T + "bulk/"), "delete"): (
            "ticket.delete",
            lambda: f"{base}/tickets/bulk/",
            lambda: {"action": "delete", "tickets": [t()]},
        ),
        (("get", T + "stats/"), ""): ("ticket.view", f"{base}/tickets/stats/", None),
        (("get", V), ""): ("ticket.view", f"{base}/views/", None),
        (("post", V), "own"): ("views.own", f"{base}/views/", {"name": "mine"}),
        (("post", V), "shared"): (
            "views.share",
            f"{base}/views/",
            {"name": "ours", "is_shared": True},
        ),
        (("get", V + "{id}/"), ""): (
            "ticket.view",
            lambda: f"{base}/views/{w.view(user).pk}/",
            None,
        ),
        (("patch", V + "{id}/"), "own"): (
            "views.own",
            lambda: f"{base}/views/{w.view(user).pk}/",
            {"name": "renamed"},
        ),
        (("patch", V + "{id}/"), "shared"): (
            "views.share",
            lambda: f"{base}/views/{w.view(other, shared=True).pk}/",
            {"name": "renamed"},
        ),
        (("delete", V + "{id}/"), "own"): (
            "views.own",
            lambda: f"{base}/views/{w.view(user).pk}/",
            None,
        ),
        (("delete", V + "{id}/"), "shared"): (
            "views.share",
            lambda: f"{base}/views/{w.view(other, shared=True).pk}/",
            None,
        ),
        (("get", N), ""): ("integrations.manage", f"{integ}/connections/", None),
        (("post", N), ""): (
            "integrations.manage",
            f"{integ}/connections/",
            connection_body,
        ),
        (("get", N + "{uuid}/"), ""): (
            "integrations.manage",
            lambda: f"{integ}/connections/{w.connection().uuid}/",
            None,
        ),
        (("put", N + "{uuid}/"), ""): (
            "integrations.manage",
            lambda: f"{integ}/connections/{w.connection().uuid}/",
            connection_body,
        ),
        (("patch", N + "{uuid}/"), ""): (
            "integrations.manage",
            lambda: f"{integ}/connections/{w.connection().uuid}/",
            {"name": "renamed"},
        ),
        (("delete", N + "{uuid}/"), ""): (
            "integrations.manage",
            lambda: f"{integ}/connections/{w.connection().uuid}/",
            None,
        ),
        (("post", N + "{uuid}/test/"), ""): (
            "integrations.manage",
            lambda: f"{integ}/connections/{w.connection().uuid}/test/",
            None,
        ),
        (("get", N + "{uuid}/health/"), ""): (
            "integrations.manage",
            lambda: f"{integ}/connections/{w.connection().uuid}/health/",
            None,
        ),
        **channel_cells(w, base),
        **knowledge_cells(w, base),
        **invitation_cells(w, base),
        (
            (
                "post",
                "/api/v1/workspaces/{workspace_slug}/tickets/{ref}/sync/retry/",
            ),
            "",
        ): (
            "ticket.edit",
            lambda: f"{base}/tickets/{t()}/sync/retry/",
            None,
        ),
    }


def macro_api_cells(w: World, user, base, M):
    """A personal macro is its owner's ("macros.own"); a workspace one is managed by
    managers and admins ("macros.manage")."""
    mine = lambda: f"{base}/macros/{w.macro(owner=user).pk}/"  # noqa: E731
    ours = lambda: f"{base}/macros/{w.macro().pk}/"  # noqa: E731
    return {
        (("get", M), ""): ("ticket.view", f"{base}/macros/", None),
        (("post", M), "own"): ("macros.own", f"{base}/macros/", {"name": "mine"}),
        (("post", M), "workspace"): (
            "macros.manage",
            f"{base}/macros/",
            {"name": "ours", "personal": False},
        ),
        (("get", M + "{id}/"), ""): ("ticket.view", ours, None),
        (("patch", M + "{id}/"), "own"): ("macros.own", mine, {"name": "renamed"}),
        (("patch", M + "{id}/"), "workspace"): (
            "macros.manage",
            ours,
            {"name": "renamed"},
        ),
        (("delete", M + "{id}/"), "own"): ("macros.own", mine, None),
        (("delete", M + "{id}/"), "workspace"): ("macros.manage", ours, None),
    }


def channel_cells(w: World, base: str) -> dict:
    """The reply channels API ("channels.manage")."""
    H = "/api/v1/workspaces/{workspace_slug}/channels/"
    body = {"kind": "email", "from_email": "help@acme.example"}

    def one():
        return f"{base}/channels/{w.channel().uuid}/"

    def none_yet():
        w.channel(fresh=False)
        return dict(body)

    return {
        (("get", H), ""): ("channels.manage", f"{base}/channels/", None),
        (("post", H), ""): ("channels.manage", f"{base}/channels/", none_yet),
        (("get", H + "{uuid}/"), ""): ("channels.manage", one, None),
        (("put", H + "{uuid}/"), ""): ("channels.manage", one, body),
        (("patch", H + "{uuid}/"), ""): ("channels.manage", one, {"from_name": "x"}),
        (("delete", H + "{uuid}/"), ""): ("channels.manage", one, None),
    }


def knowledge_cells(w: World, base: str) -> dict:
    """Articles (read: everyone; write: "articles.manage") and a ticket's insights
    (read: everyone; regenerate and feedback: "ticket.edit")."""
    A = "/api/v1/workspaces/{workspace_slug}/articles/"
    insights = "/api/v1/workspaces/{workspace_slug}/tickets/{number}/insights/"

    def one():
        return f"{base}/articles/{w.article().pk}/"

    def of_ticket(suffix):
        return lambda: f"{base}/tickets/{w.ticket().number}/insights/{suffix}"

    feedback = {"section": "article", "item": "article-1", "helpful": True}
    return {
        (("get", A), ""): ("ticket.view", f"{base}/articles/", None),
        (("post", A), ""): (
            "articles.manage",
            f"{base}/articles/",
            {"title": "t", "body": "b"},
        ),
        (("get", A + "published/"), ""): (
            "ticket.view",
            f"{base}/articles/published/?q=b",
            None,
        ),
        (("get", A + "{id}/"), ""): ("ticket.view", one, None),
        (("patch", A + "{id}/"), ""): ("articles.manage", one, {"title": "x"}),
        (("delete", A + "{id}/"), ""): ("articles.manage", one, None),
        (("get", insights), ""): ("ticket.view", of_ticket(""), None),
        (("post", insights + "regenerate/"), ""): (
            "ticket.edit",
            of_ticket("regenerate/"),
            None,
        ),
        (("post", insights + "feedback/"), ""): (
            "ticket.edit",
            of_ticket("feedback/"),
            feedback,
        ),
    }


def invitation_cells(w: World, base: str) -> dict:
    """The invitations API ("members.manage")."""
    H = "/api/v1/workspaces/{workspace_slug}/invitations/"
    counter = iter(range(10_000))

    def one():
        invitation, _token = invitations.invitation_create(
            workspace=w.workspace,
            email=f"invitee{next(counter)}@example.test",
            role="agent",
            inviter=None,
        )
        return f"{base}/invitations/{invitation.pk}/"

    def body():
        return {"email": f"new{next(counter)}@example.test", "role": "agent"}

    return {
        (("get", H), ""): ("members.manage", f"{base}/invitations/", None),
        (("post", H), ""): ("members.manage", f"{base}/invitations/", body),
        (("delete", H + "{id}/"), ""): ("members.manage", one, None),
    }


def _value(x):
    return x() if callable(x) else x


def test_api_answers_every_cell_as_the_matrix_says(people, workspace, fake_zendesk):
    w = World(workspace, people, fake_zendesk)
    operations = {(m, p) for m, p, _ in schema_operations()}
    mismatches, cells = [], 0
    for role in ROLES:
        user = people[role]
        client = APIClient()
        client.force_authenticate(user)
        table = api_cells(w, user)
        assert {op for op, _variant in table} == operations, (
            "give every schema operation a cell",
            operations ^ {op for op, _variant in table},
        )
        for ((method, _path), variant), (key, url, body) in table.items():
            cells += 1
            answer = getattr(client, method)(
                _value(url), _value(body), format="json", HTTP_IF_MATCH="*"
            )
            code = answer.status_code
            ok = role in allowed(key) if key else True
            if (ok and not 200 <= code < 400) or (not ok and code != 403):
                mismatches.append(
                    f"{role} {method.upper()} {_path} {variant}: {code} "
                    f"(matrix: {'allowed' if ok else 'refused'}) "
                    f"{answer.content[:200]!r}"
                )
    assert not mismatches, "\n".join(mismatches)
    report(
        "S2", {"mismatches": 0}, surface="api", cells=cells, mismatches=len(mismatches)
    )


# --- the agent UI and the manager pages ---


def ui_cells(w: World, user):
    """name -> (permission key, method, url, data). Every agent-UI route that
    writes, and every report/export/import page."""
    base = "/w/acme"
    other = w.users["admin"] if user != w.users["admin"] else w.users["manager"]

    def tk(suffix):
        def make():
            ticket = w.ticket()
            return f"{base}/tickets/{ticket.number}/{suffix}"

        return make

    def version_of(url):
        number = int(re.search(r"/tickets/(\d+)/", url).group(1))
        return workspace_ticket(w, number).version

    job = ExportJob.objects.create(workspace=w.workspace, requested_by=user)
    csv_file = "subject\nImported\n"
    return {
        "status": ("ticket.edit", "post", tk("status/"), {"status": "in_progress"}),
        "field": (
            "ticket.edit",
            "post",
            tk("field/"),
            {"field": "priority", "value": "2"},
        ),
        "tags": ("ticket.edit", "post", tk("tags/"), {"add": "x"}),
        "snooze": ("ticket.edit", "post", tk("snooze/"), {"until": _soon()}),
        "move": ("ticket.edit", "post", tk("move/"), {"status": "in_progress"}),
        "delete": ("ticket.delete", "post", tk("delete/"), {}),
        "inline": (
            "ticket.edit",
            "post",
            tk("inline/"),
            {"field": "priority", "value": "2", "version": "1"},
        ),
        "comment": ("ticket.comment", "post", tk("comment/"), {"body": "hi"}),
        "from_conversation": (
            "ticket.create",
            "post",
            lambda: f"{base}/conversations/{w.conversation().pk}/ticket/",
            {},
        ),
        "conversation_close": (
            "ticket.edit",
            "post",
            lambda: f"{base}/conversations/{w.conversation().pk}/close/",
            {},
        ),
        "new_ticket": (
            "ticket.create",
            "post",
            f"{base}/tickets/new/",
            {"subject": "Filed by hand", "priority": "3"},
        ),
        "view_create own": ("views.own", "post", f"{base}/views/", {"name": "mine"}),
        "view_delete own": (
            "views.own",
            "post",
            lambda: f"{base}/views/{w.view(user).pk}/delete/",
            {},
        ),
        "view_delete shared": (
            "views.share",
            "post",
            lambda: f"{base}/views/{w.view(other, shared=True).pk}/delete/",
            {},
        ),
        "view_edit own": (
            "views.own",
            "post",
            lambda: f"{base}/views/{w.view(user).pk}/edit/",
            {"name": "renamed", "is_pinned": "on"},
        ),
        "view_edit shared": (
            "views.share",
            "post",
            lambda: f"{base}/views/{w.view(other, shared=True).pk}/edit/",
            {"name": "renamed", "is_pinned": "on", "is_shared": "on"},
        ),
        "macro create own": (
            "macros.own",
            "post",
            f"{base}/macros/",
            {"name": "mine", "scope": "personal"},
        ),
        "macro edit workspace": (
            "macros.manage",
            "post",
            lambda: f"{base}/macros/{w.macro().pk}/",
            {"name": "renamed"},
        ),
        "macro delete workspace": (
            "macros.manage",
            "post",
            lambda: f"{base}/macros/{w.macro().pk}/delete/",
            {},
        ),
        "bulk priority": (
            "ticket.bulk",
            "post",
            f"{base}/tickets/bulk/",
            lambda: {
                "action": "priority",
                "numbers": [w.ticket().number],
                "priority": 2,
            },
        ),
        "bulk delete": (
            "ticket.delete",
            "post",
            f"{base}/tickets/bulk/",
            lambda: {"action": "delete", "numbers": [w.ticket().number]},
        ),
        "bulk export": (
            "ticket.export",
            "post",
            f"{base}/tickets/bulk/",
            lambda: {"action": "export", "numbers": [w.ticket().number]},
        ),
        "article new": (
            "articles.manage",
            "post",
            f"{base}/articles/new/",
            {"title": "t", "body": "b", "status": "draft"},
        ),
        "article edit": (
            "articles.manage",
            "post",
            lambda: f"{base}/articles/{w.article().pk}/edit/",
            {"title": "t", "body": "b", "status": "published"},
        ),
        "article delete": (
            "articles.manage",
            "post",
            lambda: f"{base}/articles/{w.article().pk}/delete/",
            {},
        ),
        "article from ticket": ("articles.manage", "post", tk("insights/article/"), {}),
        "insights regenerate": ("ticket.edit", "post", tk("insights/regenerate/"), {}),
        "insights feedback": (
            "ticket.edit",
            "post",
            tk("insights/feedback/"),
            {"section": "similar", "item": "ticket-1", "helpful": "no"},
        ),
        "insights feedback report": (
            "reports.view",
            "get",
            f"{base}/reports/insights-feedback/?start=2026-01-01&end=2026-12-31",
            None,
        ),
        "reports": ("reports.view", "get", "/w/acme/reports/", None),
        "report csv": (
            "reports.view",
            "get",
            "/w/acme/reports/created.csv",
            None,
        ),
        "export": ("ticket.export", "get", "/w/acme/reports/export.csv", None),
        "export job": (
            "ticket.export",
            "get",
            f"/w/acme/reports/exports/{job.pk}/",
            None,
        ),
        "import template": (
            "ticket.import",
            "get",
            "/w/acme/reports/import/template.csv",
            None,
        ),
        "import page": (
            "ticket.import",
            "get",
            "/w/acme/reports/import/",
            None,
        ),
        "import upload": (
            "ticket.import",
            "post",
            "/w/acme/reports/import/",
            lambda: {"file": _upload(csv_file)},
        ),
    }, version_of


def workspace_ticket(w, number):
    return w.workspace.tickets.get(number=number)


def _upload(text):
    upload = io.BytesIO(text.encode())
    upload.name = "tickets.csv"
    return upload


UI_REFUSED = {403, 404}


def test_agent_ui_answers_every_cell_as_the_matrix_says(
    client, people, workspace, fake_zendesk
):
    w = World(workspace, people, fake_zendesk)
    mismatches, cells = [], 0
    for role in ROLES:
        user = people[role]
        client.force_login(user)
        table, version_of = ui_cells(w, user)
        for name, (key, method, url, data) in table.items():
            cells += 1
            url, data = _value(url), _value(data)
            if (
                data is not None
                and "/tickets/" in url
                and url.endswith(("status/", "field/"))
            ):
                data = {**data, "version": version_of(url)}
            answer = getattr(client, method)(url, data, HTTP_HX_REQUEST="true")
            code = answer.status_code
            ok = role in allowed(key)
            if (ok and not 200 <= code < 400) or (not ok and code not in UI_REFUSED):
                mismatches.append(
                    f"{role} {name}: {code} (matrix: {'allowed' if ok else 'refused'})"
                )
        # Sharing from the save form: only managers and admins make a shared view.
        cells += 1
        client.post("/w/acme/views/", {"name": f"share-{role}", "is_shared": "on"})
        shared = SavedView.objects.get(owner=user, name=f"share-{role}").is_shared
        if shared != (role in allowed("views.share")):
            mismatches.append(f"{role} view_create shared: shared={shared}")
    assert not mismatches, "\n".join(mismatches)
    report(
        "S2", {"mismatches": 0}, surface="ui", cells=cells, mismatches=len(mismatches)
    )


# --- the admin ---

# Back office rule (helpdesk/admin.py): agents have none; managers and admins act
# within their workspaces as the matrix says. Per model: the permission key for
# add, change and delete; None = only the operator (superuser); "read" = a record
# nobody edits by hand.
ADMIN_MATRIX = {
    "helpdesk.workspace": (None, "workspace.manage", None),
    # Nobody but the operator adds a membership here: people join by invitation.
    "helpdesk.membership": (None, "members.manage", "members.manage"),
    "helpdesk.team": ("workspace.manage",) * 3,
    "helpdesk.contact": ("ticket.edit",) * 3,
    "helpdesk.notification": (None, None, "workspace.manage"),
    "tickets.ticket": ("ticket.create", "ticket.edit", "ticket.delete"),
    "tickets.tag": ("ticket.edit",) * 3,
    "tickets.label": ("ticket.edit",) * 3,
    "tickets.conversation": ("workspace.manage",) * 3,
    "tickets.escalationrule": ("rules.manage",) * 3,
    "tickets.ticketevent": (None, None, None),
    "tickets.savedview": ("views.share",) * 3,
    "tickets.macro": ("macros.manage",) * 3,
    "tickets.attachment": (None, None, "workspace.manage"),
    "tickets.exportjob": (None, None, "workspace.manage"),
    "sla.calendar": ("sla.manage",) * 3,
    "sla.slapolicy": ("sla.manage",) * 3,
    "sla.slatarget": (None, None, "workspace.manage"),
    "integrations.connection": ("integrations.manage",) * 3,
    "integrations.externallink": (None, "ticket.edit", "workspace.manage"),
    "integrations.syncop": (None, None, "workspace.manage"),
    "integrations.webhookevent": (None, None, "workspace.manage"),
    "messaging.channel": ("channels.manage",) * 3,
    "messaging.delivery": (None, None, "workspace.manage"),
    "messaging.inboundmailbox": ("integrations.manage",) * 3,
    "messaging.inboundemail": (None, None, "workspace.manage"),
    "knowledge.article": ("articles.manage",) * 3,
    "knowledge.ticketinsight": (None, None, "workspace.manage"),
    "knowledge.insightfeedback": (None, None, "workspace.manage"),
    "auth.user": (None, None, None),
    "auth.group": (None, None, None),
    "authtoken.tokenproxy": (None, None, None),
    "axes.accessattempt": (None, None, None),
    "axes.accesslog": (None, None, None),
    "axes.accessfailurelog": (None, None, None),
}


def _admin_allowed(key, role) -> bool:
    # Agents have no back office, whatever the key.
    return role != "agent" and key is not None and role in allowed(key)


class _FormFields(HTMLParser):
    """What a browser would submit from the admin's change form, as rendered."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._in_form = False
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("id") or "").endswith("_form"):
            self._in_form = True
        name = attrs.get("name")
        if not self._in_form or not name or "disabled" in attrs:
            return
        kind = attrs.get("type")
        if tag == "input" and kind not in ("submit", "button", "file"):
            if kind in ("checkbox", "radio") and "checked" in attrs:
                self.data.setdefault(name, []).append(attrs.get("value") or "on")
            elif kind not in ("checkbox", "radio"):
                self.data.setdefault(name, []).append(attrs.get("value") or "")
        elif tag == "select":
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select].append(attrs.get("value") or "")
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _change(client, url) -> int:
    """POST the change form as rendered: 403 when refused; otherwise the admin
    processed it (302 saved, or 200 when a field of the rendered form did not
    validate on its own)."""
    page = client.get(url)
    if page.status_code != 200:
        return client.post(url, {"_save": "Save"}).status_code
    fields = _FormFields()
    fields.feed(page.content.decode())
    fields.data.pop("csrfmiddlewaretoken", None)
    return client.post(url, {**fields.data, "_save": "Save"}).status_code


def _delete(client, url, model, pk) -> str | None:
    """Confirm the deletion; None when it was refused, "deleted" when the row is
    gone, "protected" when other rows keep it (data, not a permission)."""
    answer = client.post(url, {"post": "yes"})
    if answer.status_code == 302:
        return "kept" if model.objects.filter(pk=pk).exists() else "deleted"
    if answer.status_code == 200 and answer.context.get("protected"):
        return "protected"
    return None


def test_admin_answers_every_cell_as_the_matrix_says(client, people, workspace):
    """Each role opens the add page, saves every change form and confirms every
    deletion (on rows of its own, so one role's deletions do not hide the next
    role's cells): what happened to the rows is checked, not permission flags."""
    registered = {m._meta.label_lower for m in admin.site._registry}
    assert registered == set(ADMIN_MATRIX), registered ^ set(ADMIN_MATRIX)
    mismatches, cells, changes_saved, deleted = [], 0, 0, 0
    for role in ROLES:
        user = people[role]
        # A member of its own: deleting that membership must not be the role's.
        owner = MembershipFactory(workspace=workspace, user__username=f"t-{role}").user
        tenant_objects = build_tenant(
            workspace,
            owner,
            tag=f"acme-{role}",
            words=f"Acme{role}",
            secret=role[0] * 20,
        ).objects
        client.force_login(user)
        for model in admin.site._registry:
            label = model._meta.label_lower
            add_key, change_key, delete_key = ADMIN_MATRIX[label]
            prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
            obj = tenant_objects.get(label)
            if label == "auth.user":
                obj = user
            # add: the add page answers 403 when refused
            cells += 1
            answer = client.get(reverse(f"{prefix}_add"))
            if (answer.status_code == 200) != _admin_allowed(add_key, role):
                mismatches.append(f"{role} add {label}: {answer.status_code}")
            if obj is None or not model.objects.filter(pk=obj.pk).exists():
                continue  # none, or gone with a row deleted before it (a cascade)
            # change: the form as rendered is saved (302) or the POST refused
            cells += 1
            saved = _change(client, reverse(f"{prefix}_change", args=[obj.pk]))
            changes_saved += saved == 302
            if (saved != 403) != _admin_allowed(change_key, role):
                mismatches.append(f"{role} change {label}: {saved}")
            # delete: confirmed; the row is gone only when allowed
            cells += 1
            url = reverse(f"{prefix}_delete", args=[obj.pk])
            outcome = _delete(client, url, model, obj.pk)
            if outcome == "protected":
                continue
            deleted += outcome == "deleted"
            if (outcome == "deleted") != _admin_allowed(delete_key, role):
                mismatches.append(f"{role} delete {label}: {outcome}")
    # A refused POST is refused too, not only hidden (one per role, on tickets).
    for role in ROLES:
        ticket = make_ticket(workspace, people["admin"])
        client.force_login(people[role])
        cells += 1
        answer = client.post(
            reverse("admin:tickets_ticket_delete", args=[ticket.pk]), {"post": "yes"}
        )
        if (answer.status_code == 302) != _admin_allowed("ticket.delete", role):
            mismatches.append(f"{role} POST delete ticket: {answer.status_code}")
    assert not mismatches, "\n".join(mismatches)
    report(
        "S2",
        {
            "mismatches": 0,
            "changes_saved": at_least(5),
            "rows_deleted": at_least(20),
        },
        surface="admin",
        cells=cells,
        changes_saved=changes_saved,
        rows_deleted=deleted,
        mismatches=len(mismatches),
    )
