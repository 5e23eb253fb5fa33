import time

import pytest

from integrations import outbox, services
from integrations.models import SyncOp
from tests.factories import MembershipFactory
from tests.fakes.gorgias import FakeGorgias
from tests.fakes.kustomer import FakeKustomer
from tests.fakes.zendesk import FakeZendesk

FAKES = {"zendesk": FakeZendesk, "gorgias": FakeGorgias, "kustomer": FakeKustomer}
CREDENTIALS = {
    "zendesk": {"email": "agent@acme.test", "api_token": "zd-token-123456789"},
    "gorgias": {"email": "agent@acme.test", "api_key": "gg-key-123456789"},
    "kustomer": {"api_key": "ku-key-123456789"},
}
WEBHOOK_SECRET = "s3cret-webhook-signing-key"


@pytest.fixture(autouse=True)
def sync_settings(settings):
    """Fakes on 127.0.0.1 over http, and short waits so tests stay quick."""
    settings.SYNC_ALLOW_LOCAL_URLS = True
    settings.SYNC_BACKOFF_BASE = 0.02
    settings.SYNC_BACKOFF_MAX = 0.1
    settings.SYNC_HTTP_TIMEOUT = (1.0, 0.5)
    settings.SYNC_RATE_MARGIN = 0.02
    # A test's data lives in its own transaction, which other threads' connections
    # cannot see; test_drain_threads drains in threads, committing.
    settings.SYNC_DRAIN_THREADS = 1
    return settings


def _fake(platform):
    fake = FAKES[platform](credentials=CREDENTIALS[platform]).start()
    yield fake
    fake.stop()


@pytest.fixture
def zendesk():
    yield from _fake("zendesk")


@pytest.fixture
def gorgias():
    yield from _fake("gorgias")


@pytest.fixture
def kustomer():
    yield from _fake("kustomer")


@pytest.fixture(params=["zendesk", "gorgias", "kustomer"])
def platform_fake(request):
    yield from _fake(request.param)


def platform_of(fake) -> str:
    return next(name for name, cls in FAKES.items() if isinstance(fake, cls))


def connect(workspace, fake, **values):
    platform = platform_of(fake)
    values = {
        "platform": platform,
        "subdomain": "acme",
        "base_url": fake.url,
        "credentials": CREDENTIALS[platform],
        "webhook_secret": WEBHOOK_SECRET,
        **values,
    }
    return services.connection_save(workspace=workspace, actor=None, values=values)


@pytest.fixture
def sync_agent(workspace):
    """An agent whose e-mail the fakes know (assignees are matched by e-mail)."""
    return MembershipFactory(
        workspace=workspace,
        role="agent",
        user__username="syncagent",
        user__email="agent@acme.test",
    ).user


def drain_until_idle(seconds: float = 10.0, **kw) -> list:
    """Run the worker until the outbox is empty (or nothing can move any more)."""
    results = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        results.append(outbox.drain(**kw))
        blocked = SyncOp.objects.filter(state=SyncOp.State.FAILED).values("link")
        movable = SyncOp.objects.filter(state=SyncOp.State.PENDING).exclude(
            link__in=blocked
        )
        if not movable.exists():
            break
        time.sleep(0.02)
    return results


def remote_view(fake, remote_id) -> dict:
    """The fake's ticket in one shape: subject, status, priority, tags, assignee,
    external_id (raw platform values)."""
    platform = platform_of(fake)
    if platform == "zendesk":
        t = fake.tickets[int(remote_id)]
        return {
            "subject": t["subject"],
            "status": t["status"],
            "priority": t["priority"],
            "tags": t["tags"],
            "assignee": t["assignee_id"],
            "external_id": t["external_id"],
        }
    if platform == "gorgias":
        t = fake.tickets[int(remote_id)]
        return {
            "subject": t["subject"],
            "status": t["status"],
            "priority": t["priority"],
            "tags": sorted(tag["name"] for tag in t["tags"]),
            "assignee": (t["assignee_user"] or {}).get("id"),
            "external_id": t["external_id"],
        }
    a = fake.conversations[remote_id]["attributes"]
    return {
        "subject": a["name"],
        "status": a["status"],
        "priority": a["priority"],
        "tags": sorted(fake.tags.get(tag, tag) for tag in a["tags"]),
        "assignee": (a["assignedUsers"] or [None])[0],
        "external_id": a["externalId"],
    }


def remote_count(fake) -> int:
    store = fake.conversations if platform_of(fake) == "kustomer" else fake.tickets
    return len(store)


def comments_of(fake, remote_id) -> list[str]:
    platform = platform_of(fake)
    if platform == "zendesk":
        return [c["body"] for c in fake.comments[int(remote_id)]]
    if platform == "gorgias":
        return [m["body_text"] for m in fake.messages[int(remote_id)]]
    return fake.notes[remote_id] + fake.messages[remote_id]
