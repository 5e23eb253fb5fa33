"""S1: no operation lets workspace A reach workspace B, proved by sweeping every
operation of the OpenAPI schema, every agent-UI URL pattern and every admin model,
rather than by hand-picked examples.

The caller is A's admin (the strongest role), so every refusal seen here is tenant
isolation and not a role check. Each answer is searched for B's marker strings, and
B's rows are compared before and after.
"""

import io
import json
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.figures import report
from tests.integrations.signing import zendesk_headers
from tests.security.conftest import (
    A_SECRET,
    B_NUMBER,
    B_SUBJECT_WORD,
    b_markers,
    snapshot,
    staff,
)
from tickets.models import SavedView, Ticket
from tickets.reports import queries
from tickets.reports import views as report_views

pytestmark = pytest.mark.django_db

# Query parameters that name tenant data, with how to fill them from B.
TENANT_QUERY = {
    "assignee": lambda b: b.member.pk,
    "team": lambda b: b.team.pk,
    "label": lambda b: b.label.pk,
    "tags": lambda b: b.tag.name,
    "q": lambda b: B_SUBJECT_WORD,
    "topic": lambda b: b.ticket.topic,
    "intent": lambda b: b.ticket.intent,
    "channel": lambda b: b.ticket.channel,
}
# Query parameters that carry no tenant data (paging, ordering, enums, dates).
PLAIN_QUERY = {
    "count",
    "cursor",
    "format",
    "lang",
    "ordering",
    "page_size",
    "priority",
    "priority_max",
    "priority_min",
    "created_after",
    "created_before",
    "updated_after",
    "updated_before",
    "resolved_after",
    "resolved_before",
    "sla",
    "snoozed",
    "source",
    "status",
    "sync_status",
    "reply",
    # A cursor within the conversation in the path (a message id): B's ids only
    # move it, they never reach B's conversation.
    "since",
    "tag_mode",
    "unread",
}


def foreign_bodies(a, b):
    """Request bodies naming B's rows, per operation with a body: (body, the fields
    the 400 must name). None as the field set: accepted, but only inside A."""
    bob, team, label = b.member.pk, b.team.pk, b.label.pk
    fks = {
        "assignee": bob,
        "team": team,
        "label": label,
        "requester": b.contact.pk,
    }
    return {
        ("post", "/api/v1/workspaces/{workspace_slug}/tickets/"): (
            {"subject": "x", **fks, "primary_conversation": b.conversation.pk},
            {"assignee", "team", "label", "requester", "primary_conversation"},
        ),
        ("patch", "/api/v1/workspaces/{workspace_slug}/tickets/{ref}/"): (
            fks,
            {"assignee", "team", "label", "requester"},
        ),
        ("post", "/api/v1/workspaces/{workspace_slug}/tickets/{ref}/assign/"): (
            {"assignee": bob},
            {"assignee"},
        ),
        ("post", "/api/v1/workspaces/{workspace_slug}/tickets/bulk/"): [
            (
                {"action": "complete", "tickets": [b.ticket.ref, str(B_NUMBER)]},
                {"tickets"},
            ),
            (
                {"action": "complete", "filters": {"team": [str(team)]}},
                {"filters.team"},
            ),
            (
                {
                    "action": "assign",
                    "tickets": [a.ticket.number],
                    "params": {"assignee": bob},
                },
                {"assignee"},
            ),
        ],
        ("post", "/api/v1/workspaces/{workspace_slug}/views/"): (
            {"name": "spy", "filters": {"team": [str(team)], "label": [str(label)]}},
            {"filters.team", "filters.label"},
        ),
        ("patch", "/api/v1/workspaces/{workspace_slug}/views/{id}/"): (
            {"filters": {"assignee": [str(bob)]}},
            {"filters.assignee"},
        ),
        ("post", "/api/v1/workspaces/{workspace_slug}/macros/"): (
            {"name": "spy", "set_assignee": bob},
            {"set_assignee"},
        ),
        ("patch", "/api/v1/workspaces/{workspace_slug}/macros/{id}/"): (
            {"set_assignee": bob},
            {"set_assignee"},
        ),
        ("post", "/api/v1/workspaces/{workspace_slug}/tickets/{ref}/comments/"): (
            {"body": "x", "macro": b.objects["tickets.macro"].pk},
            {"macro"},
        ),
        ("post", "/api/v1/workspaces/{workspace_slug}/articles/"): (
            {"title": "spy", "body": "x", "label": label},
            {"label"},
        ),
        ("patch", "/api/v1/workspaces/{workspace_slug}/articles/{id}/"): (
            {"label": label},
            {"label"},
        ),
        ("post", "/api/v1/workspaces/{workspace_slug}/escalation-rules/"): (
            {"name": "spy", "team": team, "label": label},
            {"team", "label"},
        ),
        ("patch", "/api/v1/workspaces/{workspace_slug}/escalation-rules/{id}/"): (
            {"team": team, "label": label},
            {"team", "label"},
        ),
        ("post", "/api/v1/workspaces/{workspace_slug}/conversations/{id}/tickets/"): (
            {"subject": "x", "team": team, "label": label, "assignee": bob},
            {"team", "label", "assignee"},
        ),
        # B's conversation external id and contact e-mail are keys within B only:
        # the intake must make A's own conversation and contact.
        ("post", "/api/v1/workspaces/{workspace_slug}/escalations/"): (
            {
                "conversation": {
                    "external_id": b.conversation.external_id,
                    "contact": {"email": b.contact.email},
                    "messages": [
                        {
                            "author_kind": "contact",
                            "body": "help",
                            "sent_at": timezone.now().isoformat(),
                        }
                    ],
                },
                "escalate": True,
            },
            None,
        ),
    }


# Operations whose bodies hold no reference to another row (text, enums, times,
# credentials). A new operation with a body must be added here or above.
NO_FOREIGN_KEYS = {
    ("post", "/api/v1/workspaces/{workspace_slug}/conversations/{id}/messages/"),
    ("post", "/api/v1/workspaces/{workspace_slug}/tickets/{ref}/snooze/"),
    ("post", "/api/v1/workspaces/{workspace_slug}/tickets/{ref}/transition/"),
    ("post", "/api/v1/workspaces/{workspace_slug}/integrations/connections/"),
    ("put", "/api/v1/workspaces/{workspace_slug}/integrations/connections/{uuid}/"),
    ("patch", "/api/v1/workspaces/{workspace_slug}/integrations/connections/{uuid}/"),
    ("post", "/api/v1/workspaces/{workspace_slug}/channels/"),
    ("post", "/api/v1/workspaces/{workspace_slug}/tickets/{number}/insights/feedback/"),
    ("post", "/api/v1/workspaces/{workspace_slug}/invitations/"),
    ("put", "/api/v1/workspaces/{workspace_slug}/channels/{uuid}/"),
    ("patch", "/api/v1/workspaces/{workspace_slug}/channels/{uuid}/"),
}


def schema_operations() -> list[tuple[str, str, dict]]:
    schema = SchemaGenerator().get_schema(public=True)
    return [
        (method, path, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    ]


def path_values(tenant, path: str, *, slug: str) -> dict[str, str]:
    """Values for the path's parameters naming `tenant`'s rows ({id} by the
    resource in front of it)."""
    resource_ids = {
        "conversations": tenant.conversation.pk,
        "views": tenant.view.pk,
        "escalation-rules": tenant.rule.pk,
        "macros": tenant.objects["tickets.macro"].pk,
        "articles": tenant.objects["knowledge.article"].pk,
        "invitations": tenant.objects["helpdesk.invitation"].pk,
    }
    values = {}
    for name in re.findall(r"{(\w+)}", path):
        if name == "workspace_slug":
            values[name] = slug
        elif name in ("ref", "number"):
            values[name] = tenant.ticket.number
        elif name == "uuid" and "/channels/" in path:
            values[name] = tenant.objects["messaging.channel"].uuid
        elif name == "uuid":
            values[name] = tenant.connection.uuid
        elif name == "key":
            values[name] = tenant.objects["tickets.attachment"].key
        elif name == "id":
            resource = path.split("/{id}")[0].rsplit("/", 1)[-1]
            values[name] = resource_ids[resource]  # KeyError: a new resource
        else:
            raise AssertionError(f"No value for path parameter {name!r} of {path}")
    return values


class Sweep:
    """Sends requests and checks every answer for B's markers."""

    def __init__(self, client, markers):
        self.client = client
        self.markers = markers
        self.requests = 0
        self.leaks: list[str] = []

    def call(self, method, url, body=None, query=None):
        self.requests += 1
        kwargs = {"format": "json", "HTTP_IF_MATCH": "*"}
        if body is not None:
            kwargs["data"] = body
        if query is not None:
            url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        response = getattr(self.client, method)(url, **kwargs)
        self.check(response, f"{method.upper()} {url}", sent=json.dumps(body or {}))
        return response

    def check(self, response, what, sent=""):
        content = b"".join(response) if response.streaming else response.content
        text = content.decode(errors="replace")
        for marker in self.markers:
            if marker in text and marker not in sent and marker not in what:
                self.leaks.append(f"{what}: {marker!r} in the answer")
        return text


def test_every_api_operation_refuses_the_other_workspace(ours, theirs):
    before = snapshot(theirs.workspace)
    client = APIClient()
    client.force_authenticate(ours.member)
    sweep = Sweep(client, b_markers(theirs))
    bodies = foreign_bodies(ours, theirs)
    operations = schema_operations()
    with_body = {(m, p) for m, p, op in operations if "requestBody" in op}
    assert with_body == set(bodies) | NO_FOREIGN_KEYS, (
        "classify the new operation's body: ",
        with_body ^ (set(bodies) | NO_FOREIGN_KEYS),
    )
    exercised = set()
    wrong = []
    for method, path, operation in operations:
        key = (method, path)
        params = re.findall(r"{(\w+)}", path)
        exercised.add(key)
        if not params:  # the schema itself: no tenant in it
            assert sweep.call(method, path).status_code == 200
            continue
        # 1. B's slug and B's ids: the workspace does not exist for A.
        url = path.format(**path_values(theirs, path, slug=theirs.workspace.slug))
        body = bodies.get(key, ({"subject": "x"}, None))
        body = (body[0] if isinstance(body, list) else body)[0]
        answer = sweep.call(method, url, body)
        if answer.status_code != 404:
            wrong.append(f"{method} {url}: {answer.status_code}")
        # 2. A's slug with B's ids (and B's ref form): no such object in A.
        if len(params) > 1:
            values = path_values(theirs, path, slug=ours.workspace.slug)
            refs = [values]
            if "ref" in values:
                refs.append({**values, "ref": theirs.ticket.ref})
            for value in refs:
                url = path.format(**value)
                answer = sweep.call(method, url, body)
                if answer.status_code != 404:
                    wrong.append(f"{method} {url}: {answer.status_code}")
        ours_url = path.format(**path_values(ours, path, slug=ours.workspace.slug))
        # 3. B's ids in the body of a call on A's own rows: field errors.
        variants = bodies.get(key, [])
        for body, fields in variants if isinstance(variants, list) else [variants]:
            answer = sweep.call(method, ours_url, body)
            if fields is None:
                if answer.status_code >= 400:
                    wrong.append(f"{method} {ours_url} (B keys): {answer.status_code}")
            elif answer.status_code != 400 or not fields <= set(
                answer.json().get("errors", {})
            ):
                wrong.append(
                    f"{method} {ours_url} (B keys): {answer.status_code} "
                    f"{answer.content[:300]!r}"
                )
        # 4. B's values in every query filter: refused, or nothing of B's.
        if method == "get":
            names = {
                p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
            }
            unknown = names - set(TENANT_QUERY) - PLAIN_QUERY
            assert not unknown, f"classify query parameters {unknown} of {path}"
            for name in sorted(names & set(TENANT_QUERY)):
                value = TENANT_QUERY[name](theirs)
                answer = sweep.call(method, ours_url, query={name: value})
                if answer.status_code == 400:
                    assert name in answer.json()["errors"], answer.content
                elif answer.status_code != 200:
                    wrong.append(f"{method} {ours_url}?{name}: {answer.status_code}")
                elif "json" not in answer["Content-Type"]:
                    continue  # a file (the CSV export): searched by sweep.call
                elif isinstance(answer.json(), dict) and "results" in answer.json():
                    refs = [row.get("ref") for row in answer.json()["results"]]
                    if any(ref == theirs.ticket.ref for ref in refs):
                        sweep.leaks.append(f"{path}?{name}: B's ticket listed")
    assert exercised == {(m, p) for m, p, _ in operations}
    assert not wrong, "\n".join(wrong)
    assert not sweep.leaks, "\n".join(sweep.leaks)
    assert snapshot(theirs.workspace) == before
    report(
        "S1",
        {"leaks": 0},
        surface="api",
        operations=len(exercised),
        requests=sweep.requests,
        leaks=len(sweep.leaks),
    )


def test_webhooks_signed_with_our_secret_never_touch_their_connection(
    client, ours, theirs
):
    before = snapshot(theirs.workspace)
    sweep = Sweep(client, b_markers(theirs))
    remote = {
        "id": 990001,
        "subject": "hijacked",
        "status": "solved",
        "external_id": theirs.ticket.ref,
        "updated_at": timezone.now().isoformat(),
    }
    body = json.dumps(
        {
            "id": "evt-x",
            "type": "zen:event-type:ticket.status_changed",
            "detail": remote,
        }
    ).encode()
    headers = zendesk_headers(body, secret=A_SECRET)
    their_url = f"/integrations/webhooks/{theirs.connection.uuid}/"
    answer = client.post(
        their_url, data=body, content_type="application/json", **headers
    )
    sweep.requests += 1
    sweep.check(answer, their_url)
    assert answer.status_code == 401
    # B's connection under our workspace's webhook address is not found at all.
    crossed = (
        f"/api/v1/workspaces/{ours.workspace.slug}/integrations/webhooks/"
        f"{theirs.connection.uuid}/"
    )
    answer = client.post(crossed, data=body, content_type="application/json", **headers)
    sweep.requests += 1
    sweep.check(answer, crossed)
    assert answer.status_code == 404
    # Our own connection, validly signed, naming B's ticket (by B's ref, by B's
    # number, by B's remote id): nothing of B's is found or changed.
    for external_id, remote_id in (
        (theirs.ticket.ref, 990002),
        (str(B_NUMBER), 990003),
        ("", theirs.objects["integrations.externallink"].remote_id),
    ):
        payload = dict(remote, id=remote_id, external_id=external_id)
        body = json.dumps(
            {
                "id": f"evt-{remote_id}",
                "type": "zen:event-type:ticket.status_changed",
                "detail": payload,
            }
        ).encode()
        url = f"/integrations/webhooks/{ours.connection.uuid}/"
        answer = client.post(
            url,
            data=body,
            content_type="application/json",
            **zendesk_headers(body, secret=A_SECRET),
        )
        sweep.requests += 1
        sweep.check(answer, url, sent=body.decode())
        assert answer.status_code in (200, 400), answer.content
    assert not sweep.leaks
    assert snapshot(theirs.workspace) == before
    report(
        "S1",
        {"leaks": 0},
        surface="webhooks",
        requests=sweep.requests,
        leaks=len(sweep.leaks),
    )


def test_export_search_and_import_stay_in_our_workspace(client, ours, theirs):
    before = snapshot(theirs.workspace)
    client.force_login(ours.member)
    sweep = Sweep(client, b_markers(theirs))

    def get(url, expected):
        sweep.requests += 1
        answer = client.get(url)
        answer.body_text = sweep.check(answer, url)
        assert answer.status_code in expected, (url, answer.status_code)
        return answer

    exported = get("/w/acme/reports/export.csv", {200})
    assert ours.ticket.ref in exported.body_text and "Globex" not in exported.body_text
    get(f"/w/acme/reports/export.csv?q={B_SUBJECT_WORD}", {200})
    get(f"/w/acme/reports/export.csv?team={theirs.team.pk}", {400})
    get(f"/w/acme/reports/export.csv?assignee={theirs.member.pk}", {400})
    get("/w/globex/reports/export.csv", {404})
    get("/w/globex/reports/", {404})
    get("/w/globex/reports/created.csv", {404})
    get("/w/globex/reports/import/template.csv", {404})
    job = theirs.objects["tickets.exportjob"]
    get(f"/w/acme/reports/exports/{job.pk}/", {404})
    get(f"/w/acme/reports/exports/{job.pk}/download", {404})
    page = get(f"/w/acme/tickets/?q={B_SUBJECT_WORD}", {200})
    assert ours.ticket.subject not in page.body_text
    # The UI's bulk "Export CSV" with B's numbers.
    sweep.requests += 1
    bulk = client.post(
        "/w/acme/tickets/bulk/",
        {"action": "export", "numbers": [theirs.ticket.ref, str(B_NUMBER)]},
    )
    sweep.check(bulk, "bulk export")
    assert bulk.status_code == 422

    rows = [
        f"{theirs.ticket.ref},Stolen,,",  # B's ref
        f"{B_NUMBER},Stolen,,",  # B's number, absent from A
        f"TKT-1,Ours,{theirs.member.email},",  # B's member as assignee
        f"TKT-1,Ours,,{theirs.team.name}",  # B's team
    ]
    for row in rows:
        upload = io.BytesIO(f"ref,subject,assignee_email,team\n{row}\n".encode())
        upload.name = "tickets.csv"
        sweep.requests += 1
        answer = client.post("/w/acme/reports/import/", {"file": upload})
        sweep.check(answer, f"import {row}", sent=row)
        assert answer.status_code == 400, (row, answer.status_code)
        assert answer.context["result"].errors, row
    assert not sweep.leaks, sweep.leaks
    assert snapshot(theirs.workspace) == before
    assert (
        Ticket.objects.filter(workspace=ours.workspace, subject="Stolen").count() == 0
    )
    report(
        "S1",
        {"leaks": 0},
        surface="export/import/search",
        requests=sweep.requests,
        leaks=len(sweep.leaks),
    )


# --- the agent UI: every URL pattern ---


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            yield from _patterns(item, prefix + str(item.pattern))
        elif isinstance(item, URLPattern):
            yield prefix + str(item.pattern), item


UI_KWARGS = {"slug", "number", "conversation_id", "pk", "key", "rest"}


def _ui_url(route: str, tenant, slug: str) -> str:
    values = {
        "slug": slug,
        "number": tenant.ticket.number,
        "conversation_id": tenant.conversation.pk,
        "pk": tenant.objects["tickets.exportjob"].pk
        if "/exports/" in route
        else tenant.objects["knowledge.article"].pk
        if "/articles/" in route
        else tenant.view.pk,
        "key": "tickets",
        "rest": "export.csv",
    }

    def fill(match):
        name = match.group(1).split(":")[-1]
        return str(values[name])

    return "/" + re.sub(r"<([^>]+)>", fill, route)


def test_every_agent_page_refuses_the_other_workspace(client, ours, theirs):
    """Every route of the agent UI and reports (not the admin, the API or the
    webhooks, swept above and below), GET and POST, with B's slug and ids."""
    before = snapshot(theirs.workspace)
    client.force_login(ours.member)
    sweep = Sweep(client, b_markers(theirs))
    routes = [
        (route, pattern)
        for route, pattern in _patterns()
        # anymail/: the e-mail services' tracking webhooks, server-wide, no slug.
        if not route.startswith(
            (
                "admin/",
                "api/",
                "integrations/",
                "anymail/",
                "login",
                "logout",
                "password-reset",
                # an invitation's link: its token names it, no workspace
                # (tests/settings_pages/test_invitations.py)
                "invitations/",
            )
        )
        and route not in ("healthz", "favicon.ico")  # no data: a static redirect
    ]
    assert len(routes) >= 15
    wrong = []
    for route, _pattern in routes:
        names = {n.split(":")[-1] for n in re.findall(r"<([^>]+)>", route)}
        assert names <= UI_KWARGS, f"no B value for {names - UI_KWARGS} in {route}"
        candidates = []
        if "slug" in names:
            candidates.append(_ui_url(route, theirs, theirs.workspace.slug))
            if names - {"slug"}:
                candidates.append(_ui_url(route, theirs, ours.workspace.slug))
        else:
            # the old /reports/... (redirects): the workspace is a parameter
            candidates.append(_ui_url(route, theirs, "") + "?workspace=globex")
        for url in candidates:
            for method in ("get", "post"):
                sweep.requests += 1
                answer = getattr(client, method)(
                    url,
                    {"workspace": "globex", "numbers": [str(B_NUMBER)]}
                    if method == "post"
                    else None,
                    HTTP_HX_REQUEST="true",
                )
                sweep.check(answer, url)
                home_redirect = route == "" and answer.status_code == 302
                if answer.status_code not in (403, 404, 405) and not home_redirect:
                    wrong.append(f"{method.upper()} {url}: {answer.status_code}")
    assert not wrong, "\n".join(wrong)
    assert not sweep.leaks, "\n".join(sweep.leaks)
    # Our own pages (list, board, detail panel, every report in every grouping)
    # show nothing of B's.
    own_pages = [
        "/w/acme/tickets/",
        "/w/acme/tickets/?view=board",
        f"/w/acme/tickets/{ours.ticket.number}/",
        "/w/acme/reports/import/",
        # the knowledge base and the AI Insights pane of our ticket (same words as
        # B's ticket: similar tickets and articles must stay ours)
        "/w/acme/articles/",
        f"/w/acme/articles/?q={B_SUBJECT_WORD}",
        f"/w/acme/articles/{ours.objects['knowledge.article'].pk}/",
        f"/w/acme/tickets/{ours.ticket.number}/insights/",
    ]
    for group in queries.GROUPINGS:
        own_pages.append(f"/w/acme/reports/?group={group}")
        own_pages += [
            f"/w/acme/reports/{key}.csv?group={group}" for key in report_views.REPORTS
        ]
    for url in own_pages:
        sweep.requests += 1
        answer = client.get(url)
        assert answer.status_code == 200, url
        sweep.check(answer, url)
    assert not sweep.leaks, "\n".join(sweep.leaks)
    assert snapshot(theirs.workspace) == before
    report(
        "S1",
        {"leaks": 0},
        surface="ui",
        routes=len(routes),
        requests=sweep.requests,
        leaks=len(sweep.leaks),
    )


# --- the admin: every registered model ---


# The operator's (superuser's) pages: users, groups, tokens and the login lockout
# records of django-axes.
GLOBAL_MODELS = {
    "auth.user",
    "auth.group",
    "authtoken.tokenproxy",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
}


def test_admin_shows_a_workspace_admin_only_their_rows(client, ours, theirs):
    """A's admin as non-superuser staff, even holding every Django permission of
    the app models: each changelist lists only A's rows and no B marker, each of
    B's rows answers "does not exist" on its change, delete and history pages."""
    user = staff(ours.member)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["helpdesk", "tickets", "sla", "integrations"]
        )
    )
    client.force_login(user)
    before = snapshot(theirs.workspace)
    sweep = Sweep(client, b_markers(theirs) + ["Globex"])
    wrong = []
    models = 0
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        changelist = client.get(reverse(f"{prefix}_changelist"))
        sweep.requests += 1
        models += 1
        if label in GLOBAL_MODELS:
            # Users, groups and tokens are the operator's: staff get no page.
            if changelist.status_code != 403:
                wrong.append(f"{label} changelist: {changelist.status_code}")
            continue
        sweep.check(changelist, label)
        if changelist.status_code != 200:
            wrong.append(f"{label} changelist: {changelist.status_code}")
            continue
        path = getattr(model_admin, "workspace_path", "workspace")
        for row in changelist.context["cl"].result_list:
            ws = _workspace_of(row)
            if ws != ours.workspace.pk:
                sweep.leaks.append(f"{label}: row {row.pk} of workspace {ws}")
        obj = theirs.objects[label]  # KeyError: make a B row of the new model
        assert obj is not None, label
        for view in ("change", "delete", "history"):
            url = reverse(f"{prefix}_{view}", args=[obj.pk])
            sweep.requests += 1
            answer = client.get(url)
            sweep.check(answer, url)
            if answer.status_code not in (302, 403, 404):
                wrong.append(f"{url}: {answer.status_code} ({path})")
            elif answer.status_code == 302 and not answer.url.startswith("/admin/"):
                wrong.append(f"{url}: redirect to {answer.url}")
        if model_admin.has_add_permission(_request_for(user)):
            url = reverse(f"{prefix}_add")
            sweep.requests += 1
            sweep.check(client.get(url), url)
        # Their object posted to our changelist's actions is not acted on.
        sweep.requests += 1
        client.post(
            reverse(f"{prefix}_changelist"),
            {"action": "delete_selected", "_selected_action": [obj.pk]},
        )
    assert not wrong, "\n".join(wrong)
    assert not sweep.leaks, "\n".join(sweep.leaks)
    assert snapshot(theirs.workspace) == before
    report(
        "S1",
        {"leaks": 0},
        surface="admin",
        models=models,
        requests=sweep.requests,
        leaks=len(sweep.leaks),
    )


def _workspace_of(row) -> int:
    if row._meta.label_lower == "helpdesk.workspace":
        return row.pk
    if hasattr(row, "workspace_id"):
        return row.workspace_id
    return row.connection.workspace_id


def _request_for(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_admin_assign_action_answers_their_member_like_no_one(client, ours, theirs):
    """The changelist's "assign" action looks names up among our members only: B's
    member is answered exactly like a name nobody has, and nothing is assigned."""
    client.force_login(staff(ours.member))
    url = reverse("admin:tickets_ticket_changelist")
    answers = {}
    for name in (theirs.member.username, "nobody-at-all"):
        answer = client.post(
            url,
            {
                "action": "assign",
                "_selected_action": [ours.ticket.pk],
                "assignee": name,
            },
            follow=True,
        )
        answers[name] = [
            str(m).replace(name, "NAME") for m in answer.context["messages"]
        ]
    assert answers[theirs.member.username] == answers["nobody-at-all"]
    assert Ticket.objects.get(pk=ours.ticket.pk).assignee_id == ours.member.pk


def test_idempotency_keys_are_per_workspace(ours, theirs):
    """B's Idempotency-Key, reused by A, makes A's ticket; B's answer is not
    replayed to A."""
    bob, boss = APIClient(), APIClient()
    bob.force_authenticate(theirs.member)
    boss.force_authenticate(ours.member)
    key = {"HTTP_IDEMPOTENCY_KEY": "shared-key-1"}
    first = bob.post(
        "/api/v1/workspaces/globex/tickets/",
        {"subject": f"{B_SUBJECT_WORD} keyed"},
        format="json",
        **key,
    )
    assert first.status_code == 201
    answer = boss.post(
        "/api/v1/workspaces/acme/tickets/", {"subject": "ours"}, format="json", **key
    )
    assert answer.status_code == 201
    assert answer.json()["subject"] == "ours"
    assert B_SUBJECT_WORD not in answer.content.decode()
    assert "Idempotent-Replayed" not in answer
    report(
        "S1",
        {"replayed_across_workspaces": 0},
        surface="idempotency keys",
        requests=2,
        replayed_across_workspaces=int("Idempotent-Replayed" in answer),
    )


def test_agent_forms_refuse_their_ids(client, ours, theirs):
    """B's member, team and label ids in the panel's field form, the bulk bar and
    a saved view's filters are refused (422) and stored nowhere."""
    client.force_login(ours.member)
    sweep = Sweep(client, b_markers(theirs))
    before = snapshot(theirs.workspace)
    ticket = ours.ticket
    url = f"/w/acme/tickets/{ticket.number}/field/"
    posts = [
        (url, {"field": "assignee", "value": theirs.member.pk}),
        (url, {"field": "team", "value": theirs.team.pk}),
        (url, {"field": "label", "value": theirs.label.pk}),
        (
            "/w/acme/tickets/bulk/",
            {
                "action": "assign",
                "numbers": [ticket.number],
                "assignee": theirs.member.pk,
            },
        ),
    ] + [
        ("/w/acme/views/", {"name": f"spy {name}", "query": f"{name}={value}"})
        for name, value in (
            ("team", theirs.team.pk),
            ("label", theirs.label.pk),
            ("assignee", theirs.member.pk),
        )
    ]
    for target, data in posts:
        sweep.requests += 1
        answer = client.post(
            target, {**data, "version": ticket.version}, HTTP_HX_REQUEST="true"
        )
        sweep.check(answer, target)
        assert answer.status_code == 422, (target, data, answer.status_code)
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.assignee_id, fresh.team_id, fresh.label_id) == (
        ticket.assignee_id,
        ticket.team_id,
        ticket.label_id,
    )
    assert not SavedView.objects.filter(name__startswith="spy").exists()
    assert not sweep.leaks
    assert snapshot(theirs.workspace) == before
    report(
        "S1",
        {"leaks": 0},
        surface="ui forms",
        requests=sweep.requests,
        leaks=len(sweep.leaks),
    )
