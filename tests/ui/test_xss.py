"""S6: stored XSS payloads (tests/ui/xss_payloads.txt) rendered by every page that
shows them: the tickets list, board, detail panel (description, comments, timeline),
the admin, and the Markdown filter itself.

Each page is parsed the way a browser parses it (html5lib) and must hold no script
of the payload's: no <script> but ours, no on* attribute, no javascript:/data:/
vbscript: URL, none of the elements that run or load content (iframe, object, embed,
style, base, math, ...), and no more <svg>, <form>, <meta>, <link> or <script>
elements than the same page with harmless text in the same places.
"""

import re
from collections import Counter
from pathlib import Path

import html5lib
import pytest
from django.contrib.auth import get_user_model
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse

from helpdesk.models import Contact, Team
from tests.factories import (
    ContactFactory,
    LabelFactory,
    MembershipFactory,
    TeamFactory,
    make_ticket,
)
from tests.figures import report
from tickets import services
from tickets.models import Comment, Label, SavedView, Tag, Ticket
from tickets.templatetags.tickets_ui import markdown

PAYLOADS_FILE = Path(__file__).with_name("xss_payloads.txt")
ESCAPE = re.compile(r"\\(n|r|t|0|x[0-9a-fA-F]{2})")
CONTROLS = {"n": "\n", "r": "\r", "t": "\t", "0": "\0"}


def _unescape(match: re.Match) -> str:
    code = match.group(1)
    return CONTROLS.get(code) or chr(int(code[1:], 16))


def load_payloads() -> list[str]:
    lines = PAYLOADS_FILE.read_text(encoding="utf-8").splitlines()
    return [ESCAPE.sub(_unescape, line) for line in lines if line and line[:2] != "# "]


PAYLOADS = load_payloads()
# PostgreSQL text cannot hold NUL and the forms refuse it (checked below): payloads
# with one only go through the Markdown filter.
STORED = [p for p in PAYLOADS if "\0" not in p]

# Elements that run script or load other content: never on a page of ours.
NEVER = {
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "portal",
    "style",
    "base",
    "math",
    "isindex",
    "foreignobject",
    "template",
}
# Elements our own templates use: as many as on the page with harmless text.
COUNTED = ("script", "svg", "form", "meta", "link")
URL_ATTRIBUTES = {
    "href",
    "xlink:href",
    "src",
    "action",
    "formaction",
    "data",
    "poster",
    "background",
    "lowsrc",
    "dynsrc",
    "srcset",
    "ping",
    "codebase",
}
BAD_SCHEME = re.compile(r"^(javascript|vbscript|data):")
# Browsers drop tabs and newlines anywhere in a URL and controls and spaces around
# it; stricter still, any whitespace or control character is ignored here.
IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")


def _name(qualified: str) -> str:
    """`svg` from `{http://www.w3.org/2000/svg}svg`, `href` from xlink's href."""
    return qualified.rsplit("}", 1)[-1].lower()


def _own(url: str) -> bool:
    """A path on our own site (not `//host/...`)."""
    return url.startswith("/") and not url.startswith("//")


def parse(html: str):
    return html5lib.parse(html, namespaceHTMLElements=False)


def elements(tree):
    return [el for el in tree.iter() if isinstance(el.tag, str)]


def findings(tree) -> list[str]:
    """Everything on the parsed page that could run or load a payload's content."""
    found = []
    for el in elements(tree):
        tag = _name(el.tag)
        if tag in NEVER:
            found.append(f"<{tag}>")
        if tag == "script" and ((el.text or "").strip() or not _own(el.get("src", ""))):
            found.append(f"<script src={el.get('src')!r}>{el.text or ''}")
        if tag == "link" and not _own(el.get("href", "")):
            found.append(f"<link href={el.get('href')!r}>")
        if tag == "meta" and el.get("http-equiv"):
            found.append(f"<meta http-equiv={el.get('http-equiv')!r}>")
        if tag == "form" and not _own(el.get("action") or "/"):
            found.append(f"<form action={el.get('action')!r}>")
        for qualified, value in el.attrib.items():
            name = _name(qualified)
            if name.startswith("on"):
                found.append(f"<{tag} {name}=...>")
            elif name == "srcdoc":
                found.append(f"<{tag} srcdoc=...>")
            elif name in URL_ATTRIBUTES:
                url = IGNORED_IN_SCHEME.sub("", value).lower()
                if BAD_SCHEME.match(url):
                    found.append(f"<{tag} {name}={value!r}>")
            elif name == "style" and re.search(r"expression|url\(|javascript", value):
                found.append(f"<{tag} style={value!r}>")
    return found


def counted(tree) -> Counter:
    tags = Counter(_name(el.tag) for el in elements(tree))
    return Counter({tag: tags[tag] for tag in COUNTED})


def links_without_rel(root) -> list[str]:
    """Links under `root` (parsed Markdown) that lack rel="noopener noreferrer"."""
    missing = []
    for el in elements(root):
        if _name(el.tag) == "a" and el.get("href"):
            rel = set(el.get("rel", "").split())
            if not {"noopener", "noreferrer"} <= rel:
                missing.append(el.get("href"))
    return missing


def test_payload_list_covers_the_kinds_of_attack():
    text = "\n".join(PAYLOADS).lower()
    assert len(PAYLOADS) >= 150
    for needle in (
        "<script",
        "onerror=",
        "javascript:",
        "vbscript:",
        "data:text/html",
        "&#106;",
        "<svg",
        "<math",
        "<iframe",
        "<object",
        "<embed",
        "expression(",
        'http-equiv="refresh"',
        "](javascript:",
        "![x](javascript:",
        "<javascript:",
        "[evil]: javascript:",
        "{{7*7}}",
        "\0",
    ):
        assert needle in text, needle


def test_markdown_filter_leaves_nothing_executable():
    survivors = {}
    for payload in PAYLOADS:
        tree = parse(markdown(payload))
        problems = findings(tree)
        problems += [f"no rel: {href}" for href in links_without_rel(tree)]
        problems += [f"<{tag}>" for tag, n in counted(tree).items() if n]
        if "7*7" in payload and "49" in "".join(tree.itertext()):
            problems.append("template expression evaluated")
        if problems:
            survivors[payload] = problems
    assert survivors == {}


def test_markdown_links_get_noopener_noreferrer():
    html = markdown("[manual](https://example.com/manual) and <https://example.org>")
    anchors = [el for el in elements(parse(html)) if _name(el.tag) == "a"]
    assert [a.get("href") for a in anchors] == [
        "https://example.com/manual",
        "https://example.org",
    ]
    assert {a.get("rel") for a in anchors} == {"noopener noreferrer"}


def _ticket_with(workspace, agent, index: int, text: str) -> Ticket:
    """A ticket with `text` in every field of its own: subject, description,
    comment, requester, tag, topic and intent."""
    ticket = make_ticket(
        workspace,
        agent,
        subject=text[:200].strip() or "blank",
        content=text,
        requester=ContactFactory(workspace=workspace, name=text[:200]),
        tags=[f"{index} {text}".replace(",", " ")[:50]],
        topic=text[:100],
        intent=text[:100],
    )
    services.comment_add(ticket=ticket, actor=agent, body=text)
    return ticket


def _names(workspace, agent, index: int, text: str) -> None:
    """`text` as the name of a member, team, label and shared pinned view: names
    every page of the workspace lists (menus, filters, sidebar)."""
    MembershipFactory(
        workspace=workspace,
        user__username=f"user{index}",
        user__first_name=text[:150],
        user__last_name=text[:150],
    )
    TeamFactory(workspace=workspace, name=f"{index} {text}"[:100])
    LabelFactory(workspace=workspace, name=f"{index} {text}"[:100])
    SavedView.objects.create(
        workspace=workspace,
        owner=agent,
        name=text[:100],
        filters={"q": text[:50]},
        is_shared=True,
        is_pinned=True,
        position=index,
    )


def _ticket_pages(ticket) -> list[tuple[str, dict]]:
    """The pages of one ticket: the htmx panel and the admin's change page."""
    panel = reverse("tickets:detail", args=[ticket.workspace.slug, ticket.number])
    change = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    return [(panel, {"HTTP_HX_REQUEST": "true"}), (change, {})]


def _list_pages(workspace, tickets: int) -> list[str]:
    """Pages that show many tickets or names at once."""
    index = reverse("tickets:index", args=[workspace.slug])
    changelist = reverse("admin:tickets_ticket_changelist")
    pages = [f"{index}?view=list&page={n}" for n in range(1, tickets // 50 + 2)]
    pages += [f"{index}?view=board"]
    pages += [
        f"{index}?view=board&column=open&page={n}" for n in range(2, tickets // 20 + 2)
    ]
    pages += [f"{changelist}?p={n}" for n in range(1, tickets // 50 + 2)]
    pages += [
        reverse(f"admin:tickets_{model}_changelist")
        for model in ("tag", "label", "savedview", "ticketevent")
    ]
    return pages


def _make_harmless() -> None:
    """Every text the payloads were written to, replaced by plain words."""
    pk = Cast("pk", CharField())
    Ticket.objects.update(
        subject=Concat(Value("Subject "), pk),
        content="Plain words",
        topic="topic",
        intent="intent",
    )
    Comment.objects.update(body="Plain words")
    Contact.objects.update(name=Concat(Value("Contact "), pk))
    Team.objects.update(name=Concat(Value("Team "), pk))
    Label.objects.update(name=Concat(Value("Label "), pk))
    Tag.objects.update(name=Concat(Value("tag "), pk))
    SavedView.objects.update(name=Concat(Value("View "), pk), filters={})
    get_user_model().objects.update(first_name="First", last_name="Last")


@pytest.mark.django_db
def test_stored_payloads_render_inert_on_every_page(
    client, workspace, other_workspace, agent, settings
):
    """Acme: one ticket per payload, each ticket's pages checked. Globex: every
    payload as a member, team, label and view name, its pages checked."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    agent.is_staff = agent.is_superuser = True
    agent.save()
    MembershipFactory(workspace=other_workspace, user=agent)
    client.force_login(agent)
    harmless = _ticket_with(workspace, agent, 0, "Harmless words")
    tickets = [_ticket_with(workspace, agent, i, p) for i, p in enumerate(STORED, 1)]
    for i, payload in enumerate(STORED, 1):
        _names(other_workspace, agent, i, payload)
    named = _ticket_with(other_workspace, agent, 0, "Harmless words")
    policies = set()

    def get(url, headers=None):
        """The page, parsed."""
        response = client.get(url, **(headers or {}))
        assert response.status_code == 200, url
        policies.add(response.get("Content-Security-Policy", ""))
        return parse(response.content)

    survivors: dict[str, list] = {}
    expected = [counted(get(url, h)) for url, h in _ticket_pages(harmless)]
    for payload, ticket in zip(STORED, tickets, strict=True):
        for (url, headers), baseline in zip(
            _ticket_pages(ticket), expected, strict=True
        ):
            tree = get(url, headers)
            problems = findings(tree)
            if counted(tree) != baseline:
                problems.append(f"{counted(tree)} != {baseline}")
            for el in elements(tree):  # the rendered Markdown
                if "prose" in el.get("class", "").split():
                    problems += [f"no rel: {h}" for h in links_without_rel(el)]
                    if "7*7" in payload and "49" in "".join(el.itertext()):
                        problems.append("template expression evaluated")
            if problems:
                survivors.setdefault(payload, []).append((url, problems))

    # Pages showing many payloads at once: any finding counts as one survivor, and
    # they must hold as many of our elements as once the text is harmless.
    lists = _list_pages(workspace, len(tickets)) + _list_pages(other_workspace, 1)
    lists += [url for url, _ in _ticket_pages(named)]
    rendered = {url: get(url) for url in lists}
    for url, tree in rendered.items():
        for problem in findings(tree):
            survivors.setdefault(url, []).append(problem)
    _make_harmless()
    for url, tree in rendered.items():
        if counted(tree) != counted(get(url)):
            survivors.setdefault(url, []).append(f"{counted(tree)} != harmless")

    [policy] = policies
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    report(
        "S6",
        {"survivors": 0},
        payloads=len(PAYLOADS),
        survivors=len(survivors),
        csp_header=True,
    )


@pytest.mark.django_db
def test_payloads_with_nul_are_refused_by_the_comment_form(client, workspace, agent):
    client.force_login(agent)
    ticket = make_ticket(workspace, agent, subject="Nul")
    url = reverse("tickets:comment", args=[workspace.slug, ticket.number])
    with_nul = [p for p in PAYLOADS if "\0" in p]

    statuses = {
        client.post(url, {"body": p, "visibility": "internal"}).status_code
        for p in with_nul
    }

    assert with_nul and statuses <= {400, 422}
    assert not ticket.comments.exists()
