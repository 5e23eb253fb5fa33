"""Every URL pattern of the project, fuzzed: the one rule of issue 21 (any request
with any input answers 2xx, 3xx or 4xx) checked over the agent UI and its htmx
partials, reports, import and export, the admin, the API, the intake and the
webhooks.

Each pattern's path parameters are filled with the real ids of a seeded workspace
(so the request reaches the view's own parsing) and with hostile values; each path
then takes GET, POST (form and JSON), PATCH and DELETE with hostile text, numbers,
dates, cursors, headers (If-Match, Idempotency-Key, HX-Request) and nested JSON,
drawn from a seeded generator (FUZZ_SEED replays a run). Webhook bodies are signed
with the connection's secret so they reach the payload parsing.

A server error is any 5xx answer or any exception the test client sees raised.
"""

import math
import os
import re
import traceback
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

from tests.conftest import Client
from tests.figures import at_least, report
from tests.integrations.signing import zendesk_headers
from tests.security.conftest import A_SECRET
from tests.security.hostile import CURSORS, FIELD_NAMES, NUMBERS, Hostile
from tickets.filters import TicketFilterSet

pytestmark = pytest.mark.django_db(transaction=True)

SEED = int(os.environ.get("FUZZ_SEED", "2126"))
MIN_REQUESTS = 5000
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def url_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            yield from url_patterns(item, prefix + str(item.pattern))
        elif isinstance(item, URLPattern):
            yield (prefix + str(item.pattern)).replace("^", "").replace("$", "")


def real_values(tenant, route: str) -> dict[str, str]:
    """The seeded workspace's own value for each path parameter of `route`."""
    objects = tenant.objects
    admin_model = re.match(r"admin/(\w+)/(\w+)/", route)
    admin_object = (
        objects.get(f"{admin_model[1]}.{admin_model[2]}") if admin_model else None
    )
    if admin_model and admin_model[1] == "auth" and admin_model[2] == "user":
        admin_object = get_user_model().objects.get_or_create(username="victim")[0]
    pk = tenant.view.pk
    if "exports/" in route:
        pk = objects["tickets.exportjob"].pk
    elif "escalation-rules" in route:
        pk = tenant.rule.pk
    elif "conversations" in route:
        pk = tenant.conversation.pk
    elif "articles/" in route:
        pk = objects["knowledge.article"].pk
    return {
        "slug": tenant.workspace.slug,
        "workspace_slug": tenant.workspace.slug,
        "number": str(tenant.ticket.number),
        "ref": tenant.ticket.ref if hasattr(tenant.ticket, "ref") else "1",
        "conversation_id": str(tenant.conversation.pk),
        "pk": str(pk),
        "key": "created",
        "rest": "export.csv",
        "uuid": str(tenant.connection.uuid),
        "connection_uuid": str(tenant.connection.uuid),
        "object_id": str(admin_object.pk) if admin_object else "1",
        "id": str(admin_object.pk) if admin_object else "1",
        "app_label": admin_model[1] if admin_model else "tickets",
        "content_type_id": "1",
        "url": "tickets/ticket/",
        "uidb64": "MQ",
        "token": "set-password",
    }


def fill(route: str, values: dict[str, str]) -> str:
    def one(match):
        # A parameter of a route added later: a plain value still reaches it.
        return values.get(match[2] or match[3], "1")

    return "/" + PARAM.sub(one, route)


def path_variants(route: str, tenant, hostile: Hostile) -> list[str]:
    """The route with real values, then with each parameter made hostile."""
    real = real_values(tenant, route)
    variants = [fill(route, real)]
    for match in PARAM.finditer(route):
        name = match[2] or match[3]
        converter = match[1] or ("int" if "[0-9]" in match[0] else "str")
        if name in ("slug", "workspace_slug"):
            continue  # another workspace is the isolation sweep's subject
        variants.append(fill(route, {**real, name: hostile.path_value(converter)}))
    return variants


def schema_field_names() -> list[str]:
    """Every property name of the API's request bodies and parameters."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    names = set()
    for component in schema["components"]["schemas"].values():
        names.update(component.get("properties", {}))
    for operations in schema["paths"].values():
        for operation in operations.values():
            names.update(p["name"] for p in operation.get("parameters", []))
    return sorted(names)


class Fuzzer:
    def __init__(self, hostile: Hostile, names: list[str]):
        self.hostile = hostile
        self.names = names
        self.requests = 0
        self.failures: list[str] = []
        self.route = ""

    def send(self, client, method: str, url: str, **kwargs) -> None:
        self.requests += 1
        self.current = f"{method.upper()} /{self.route} ({url[:120]})"
        try:
            answer = getattr(client, method)(url, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every raised error is a finding
            frames = traceback.extract_tb(exc.__traceback__)
            ours = [
                f
                for f in frames
                if "site-packages" not in f.filename and "/tests/" not in f.filename
            ]
            where = ours[-1] if ours else frames[-1]
            self.failures.append(
                f"{self.current}: {type(exc).__name__}: {str(exc)[:160]} "
                f"[{where.filename.rsplit('/', 2)[-2:]}:{where.lineno}]"
            )
            return
        if answer.status_code >= 500:
            self.failures.append(f"{self.current}: {answer.status_code}")

    def round(self, client, url: str, *, api: bool, webhook: bool) -> None:
        """One hostile request of each kind to `url`."""
        h = self.hostile
        query = h.query_string(self.names)
        self.send(client, "get", url, QUERY_STRING=query, **h.headers())
        self.send(client, "post", url, data=h.form(self.names), **h.headers())
        body = h.json_body(self.names)
        extra = zendesk_headers(body.encode(), secret=A_SECRET) if webhook else {}
        self.send(
            client,
            "post",
            url,
            data=body,
            content_type="application/json",
            **extra,
            **h.headers(),
        )
        if api:
            self.send(
                client,
                "patch",
                url,
                data=h.json_body(self.names),
                content_type="application/json",
                **h.headers(),
            )
            if h.random.random() < 0.2:
                self.send(client, "delete", url, **h.headers())
        self._shaped(client, url, api=api, webhook=webhook)
        if url.endswith("/import/"):
            rows = "\n".join(
                ",".join(
                    h.scalar()
                    .replace("\x00", "")
                    .encode("utf-8", "replace")
                    .decode()[:200]
                    for _ in range(4)
                )
                for _ in range(3)
            )
            upload = SimpleUploadedFile(
                "hostile.csv", ("subject,priority,team,status\n" + rows).encode()
            )
            self.send(client, "post", url, data={"file": upload})

    def _shaped(self, client, url: str, *, api: bool, webhook: bool) -> None:
        """Requests shaped like the surface's own (cursors and page numbers on
        lists, platform events on webhooks, escalations on the intake)."""
        h = self.hostile
        if api:
            cursor = quote(h.choice(CURSORS))
            ordering = h.choice(["priority", "-created", "number", "next_breach"])
            size = quote(h.scalar().encode("utf-8", "surrogatepass"))
            query = f"cursor={cursor}&ordering={ordering}&page_size={size}"
            self.send(client, "get", url, QUERY_STRING=query[:30_000])
        elif "/w/" in url:
            page = quote(h.choice(NUMBERS + ["999999999", str(2**63)]))
            column = h.choice(["open", "pending", "x"])
            query = f"page={page}&view=board&column={column}"
            self.send(client, "get", url, QUERY_STRING=query)
        if webhook:
            body = h.zendesk_event()
            headers = zendesk_headers(body.encode(), secret=A_SECRET)
            self.send(
                client,
                "post",
                url,
                data=body,
                content_type="application/json",
                **headers,
            )
        if url.endswith("/escalations/"):
            self.send(
                client,
                "post",
                url,
                data=h.escalation(),
                content_type="application/json",
                **h.headers(),
            )


def test_every_url_pattern_answers_hostile_input_without_a_server_error(ours):
    hostile = Hostile(SEED)
    names = sorted(
        set(FIELD_NAMES) | set(schema_field_names()) | set(TicketFilterSet.base_filters)
    )
    fuzzer = Fuzzer(hostile, names)
    superuser = get_user_model().objects.create_superuser(
        "root", "root@acme.test", "x-Secret-9"
    )
    ours.member.is_staff = True
    ours.member.save()
    member, operator, anonymous = Client(), Client(), Client()
    member.force_login(ours.member)
    operator.force_login(superuser)
    # The admin's delete pages delete on any POST: they come last, so the rows
    # every other route uses are still there when it runs.
    routes = sorted(
        set(url_patterns()),
        key=lambda route: (
            route.startswith("admin/"),
            route.endswith("delete/"),
            route,
        ),
    )
    plan = [
        (route, url) for route in routes for url in path_variants(route, ours, hostile)
    ]
    rounds = math.ceil(MIN_REQUESTS / (3 * len(plan)))
    for route, url in plan:
        webhook = "webhooks/" in route
        client = (
            anonymous
            if webhook or route.startswith("log")
            else operator
            if route.startswith("admin/")
            else member
        )
        fuzzer.route = route
        for number in range(rounds):
            if client is not anonymous and route.startswith("admin/"):
                # the operator, and a workspace admin with staff access
                client = (operator, member)[number % 2]
            fuzzer.round(client, url, api=route.startswith("api/"), webhook=webhook)
            if "logout" in route or "password" in route:
                member.force_login(ours.member)
                operator.force_login(superuser)
    failures = fuzzer.failures
    report(
        "F1",
        {"requests": at_least(MIN_REQUESTS), "server_errors": 0},
        seed=SEED,
        routes=len(routes),
        paths=len(plan),
        requests=fuzzer.requests,
        server_errors=len(failures),
    )
    kinds = sorted({re.sub(r" \(/.*?\)", "", failure, count=1) for failure in failures})
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(kinds)
