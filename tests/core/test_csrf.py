"""S7: cross-site request forgery. Every URL the project routes (API, agent UI and its
htmx endpoints, reports, integrations, admin, login/logout) refuses every unsafe
method from a signed-in browser that sends no CSRF token; a form posted from
another origin is refused even with a token; a request carrying an API token is the
token's user whatever cookies come with it."""

import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from rest_framework.authtoken.models import Token

from helpdesk.models import Membership
from integrations.models import Connection
from tests.factories import MembershipFactory, make_ticket
from tests.figures import report
from tickets.models import Comment, SavedView, Ticket, TicketEvent

UNSAFE = ("post", "put", "patch", "delete")
# Authenticated by the platform's HMAC signature over the raw body, never by the
# session, so it is exempt from CSRF by design; S9 proves unsigned posts are refused.
# The inbound e-mail webhooks likewise: basic auth and (Mailgun) a signature.
NOT_SESSION_AUTHENTICATED = {
    "integrations:webhook",
    "integrations-api:webhook",
    "messaging:mailgun_inbound",
    "messaging:mailgun_inbound_mime",
    "messaging:postmark_inbound",
    # The e-mail services' tracking webhooks: basic auth or the ESP's signature.
    "messaging:tracking",
}
# Values that satisfy each URL parameter; the objects need not exist, because the
# CSRF check runs before any view looks them up.
SAMPLES = {
    "slug": "acme",
    "workspace_slug": "acme",
    "number": "1",
    "ref": "1",
    "pk": "1",
    "conversation_id": "1",
    "object_id": "1",
    "content_type_id": "1",
    "id": "1",
    "key": "volume",
    "uuid": str(uuid.uuid4()),
    "connection_uuid": str(uuid.uuid4()),
    "url": "no/such/page/",
    "esp": "postmark",
}
CONVERTERS = {"int": "1", "slug": "acme", "uuid": str(uuid.uuid4()), "path": "1"}


def _fill_regex(regex: str) -> str:
    """A concrete path for a regex fragment: named groups take a sample (the first
    alternative when the group lists them), anchors are dropped."""
    out, i = [], 0
    while i < len(regex):
        match = re.compile(r"\((?:\?P<(\w+)>)?").match(regex, i)
        if not match:
            out.append(regex[i])
            i += 1
            continue
        depth, j = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(regex[j], 0)
            j += 1
        body = regex[match.end() : j - 1]
        name = match.group(1)
        if name in SAMPLES:
            out.append(SAMPLES[name])
        elif re.fullmatch(r"[\w|-]+", body):
            out.append(body.split("|")[0])
        elif body == "[^/]+":  # an unnamed id (simple-history's admin views)
            out.append("1")
        else:
            raise AssertionError(f"no sample for URL parameter {name or body!r}")
        i = j
    return "".join(out).lstrip("^").rstrip("$").replace("\\", "")


def _fill_route(route: str) -> str:
    def value(match):
        converter, name = match.group(1) or "str", match.group(2)
        if converter == "uuid":  # the converter decides the shape ("key" varies)
            return CONVERTERS["uuid"]
        return SAMPLES.get(name) or CONVERTERS.get(converter, "x")

    return re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def _fill(pattern) -> str:
    text = str(pattern.pattern)
    if pattern.pattern.__class__.__name__ == "RegexPattern":
        return _fill_regex(text)
    return _fill_route(text)


def every_route(resolver=None, prefix="/", namespace=""):
    """(name, concrete path) for every URL pattern, included ones too."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            space = namespace
            if pattern.namespace:
                space = f"{namespace}{pattern.namespace}:"
            yield from every_route(pattern, prefix + _fill(pattern), space)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else repr(pattern)
            yield name, prefix + _fill(pattern)


@pytest.fixture
def signed_in(workspace):
    """A superuser who is an admin of `acme` (so no role check answers first), in a
    browser that holds a valid CSRF cookie but sends no token."""
    user = MembershipFactory(
        workspace=workspace,
        role="admin",
        user__username="root",
        user__is_staff=True,
        user__is_superuser=True,
    ).user
    make_ticket(workspace, user)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(get_user_model().objects.get(pk=user.pk))
    assert browser.get("/login/").status_code in (200, 302)
    assert browser.cookies["csrftoken"].value
    return browser


def _state() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (
            Ticket,
            TicketEvent,
            Comment,
            SavedView,
            Connection,
            Membership,
            get_user_model(),
        )
    }


def _because_of_csrf(browser, method, path, response, headers) -> bool:
    """The 403 names CSRF, or (a page whose error has no text, like the Swagger UI)
    the same request with the token is not refused."""
    if b"CSRF" in response.content:
        return True
    token = browser.cookies["csrftoken"].value
    again = getattr(browser, method)(path, HTTP_X_CSRFTOKEN=token, **headers)
    return again.status_code != 403


def test_every_route_refuses_every_unsafe_method_without_a_csrf_token(signed_in):
    routes = sorted(set(every_route()))
    tried, accepted, refused_for_csrf = [], [], 0
    before = _state()
    for name, path in routes:
        if name in NOT_SESSION_AUTHENTICATED:
            continue
        match = resolve(path)  # the sample path reaches the pattern it came from
        assert (match.view_name or repr(match)) == name or name.startswith("<"), (
            name,
            path,
        )
        for method in UNSAFE:
            headers = {} if path.startswith("/api/") else {"HTTP_HX_REQUEST": "true"}
            response = getattr(signed_in, method)(path, **headers)
            tried.append((method.upper(), path))
            if response.status_code == 403 and _because_of_csrf(
                signed_in, method, path, response, headers
            ):
                refused_for_csrf += 1
            else:
                accepted.append(
                    (method.upper(), path, response.status_code, response.content[:300])
                )
    assert accepted == [], accepted
    assert _state() == before
    api = sum(1 for _, path in tried if path.startswith("/api/"))
    admin = sum(1 for _, path in tried if path.startswith("/admin/"))
    assert api >= 4 * 15 and admin >= 4 * 20  # the walk really covered them
    report(
        "S7",
        {"accepted": 0},
        case="session, no CSRF token, every route x POST/PUT/PATCH/DELETE",
        routes=len(routes) - len(NOT_SESSION_AUTHENTICATED),
        requests=len(tried),
        api_requests=api,
        admin_requests=admin,
        ui_requests=len(tried) - api - admin,
        accepted=len(accepted),
    )


def _token(browser) -> str:
    return browser.cookies["csrftoken"].value


def test_a_form_posted_from_another_origin_is_refused_even_with_a_token(signed_in):
    form = {"name": "Mine", "query": ""}
    url = "/w/acme/views/"
    cases = {
        "evil Origin, no token": signed_in.post(
            url, form, HTTP_ORIGIN="https://evil.example"
        ),
        "evil Origin, valid token": signed_in.post(
            url,
            {**form, "csrfmiddlewaretoken": _token(signed_in)},
            HTTP_ORIGIN="https://evil.example",
        ),
        "HTTPS, evil Referer, valid token": signed_in.post(
            url,
            {**form, "csrfmiddlewaretoken": _token(signed_in)},
            secure=True,
            HTTP_REFERER="https://evil.example/form.html",
        ),
        "HTTPS, no Referer, valid token": signed_in.post(
            url, {**form, "csrfmiddlewaretoken": _token(signed_in)}, secure=True
        ),
        "API, evil Origin, valid token": signed_in.post(
            "/api/v1/workspaces/acme/tickets/",
            {"subject": "forged"},
            content_type="application/json",
            HTTP_ORIGIN="https://evil.example",
            HTTP_X_CSRFTOKEN=_token(signed_in),
        ),
        "admin, evil Origin, valid token": signed_in.post(
            "/admin/auth/user/add/",
            {"username": "mallory", "csrfmiddlewaretoken": _token(signed_in)},
            HTTP_ORIGIN="https://evil.example",
        ),
    }
    statuses = {case: response.status_code for case, response in cases.items()}
    assert statuses == dict.fromkeys(cases, 403)
    assert not SavedView.objects.exists()
    assert not Ticket.objects.filter(subject="forged").exists()
    assert not get_user_model().objects.filter(username="mallory").exists()

    # The same posts from our own origin go through: the refusals were the origin.
    same_origin = signed_in.post(
        url,
        {**form, "csrfmiddlewaretoken": _token(signed_in)},
        secure=True,
        HTTP_REFERER="https://testserver/w/acme/tickets/",
    )
    assert same_origin.status_code == 302
    assert SavedView.objects.filter(name="Mine").exists()
    report(
        "S7",
        {"accepted": 0},
        case="cross-origin form and API posts",
        requests=len(cases),
        accepted=sum(1 for s in statuses.values() if s != 403),
    )


def test_a_token_request_is_the_tokens_user_whatever_cookies_it_carries(
    workspace, other_workspace
):
    alice = MembershipFactory(workspace=workspace, user__username="alice").user
    bob = MembershipFactory(workspace=other_workspace, user__username="bob").user
    key = Token.objects.create(user=alice).key
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(get_user_model().objects.get(pk=bob.pk))  # bob's cookie
    token = {"HTTP_AUTHORIZATION": f"Token {key}"}

    created = browser.post(
        "/api/v1/workspaces/acme/tickets/",
        {"subject": "From the token"},
        content_type="application/json",
        **token,
    )
    assert created.status_code == 201
    assert created.json()["created_by"]["id"] == alice.pk
    # Bob's workspace is not reachable with alice's token, cookie or not.
    assert browser.get("/api/v1/workspaces/globex/tickets/", **token).status_code == 404
    elsewhere = browser.post(
        "/api/v1/workspaces/globex/tickets/",
        {"subject": "As bob?"},
        content_type="application/json",
        **token,
    )
    assert elsewhere.status_code == 404
    # Bob's cookie alone, without a CSRF token, writes nothing.
    cookie_only = browser.post(
        "/api/v1/workspaces/globex/tickets/",
        {"subject": "As bob"},
        content_type="application/json",
    )
    assert cookie_only.status_code == 403
    assert "CSRF" in cookie_only.json()["message"]
    assert list(Ticket.objects.values_list("subject", "created_by")) == [
        ("From the token", alice.pk)
    ]
    report(
        "S7",
        {"acted_as_cookie_user": 0},
        case="token with another user's session cookie",
        requests=3,
        acted_as_cookie_user=Ticket.objects.filter(created_by=bob).count(),
    )
