"""What every platform adapter offers, the typed sync failure, and the HTTP plumbing
they share (timeouts, the rate budget, URL safety, no redirects)."""

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from integrations import ratelimit, registry, urlsafety
from integrations.content import Posted, RemoteComment, RemoteFile
from integrations.models import Connection

PLACEHOLDER_DOMAIN = "@helpdesk.invalid"
STATUS_MARKER = "hd_status_"
PRIORITY_MARKER = "hd_priority_"


class SyncError(Exception):
    """A failed exchange with a platform. Permanent ones (bad request, auth, unsafe
    URL) stop and show; transient ones (429, 5xx, timeouts) are retried, after
    `retry_after` seconds when the platform said so."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        status_code: int | None = None,
        retry_after: float | None = None,
        counts: bool = True,
    ):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.status_code = status_code
        self.retry_after = retry_after
        # False when no request went out (our own rate budget said wait).
        self.counts = counts


class WebhookRejected(Exception):
    """An inbound webhook whose authenticity could not be established."""


@dataclass
class RemoteTicket:
    """A platform's ticket in our terms (status and priority already mapped back)."""

    remote_id: str
    url: str = ""
    subject: str | None = None
    status: str | None = None
    priority: int | None = None
    assignee_id: str | None = None
    tags: list[str] | None = None
    external_id: str = ""
    updated_at: datetime | None = None
    remote_status: str = ""
    deleted: bool = False  # deleted on the platform: never imported, never applied
    requester_id: str = ""  # the platform's id of the requester ("": not given)
    requester: tuple[str, str] | None = None  # (e-mail, name) when given inline
    comments: list[RemoteComment] | None = None  # None: not given inline
    raw: dict = field(default_factory=dict, repr=False)


@dataclass
class WebhookData:
    event_id: str
    ticket: RemoteTicket


def marker_tags(status: str, priority: int) -> list[str]:
    """Tags that keep our exact status and priority on a platform with fewer values."""
    return [f"{STATUS_MARKER}{status}", f"{PRIORITY_MARKER}{priority}"]


def requester_of(snapshot: dict) -> tuple[str, str]:
    """(e-mail, name) of the ticket's requester. A ticket without one gets an
    address of its own under .invalid (RFC 2606), so requester-less tickets never
    share one customer's timeline on the platform."""
    email = snapshot.get("requester_email")
    if email:
        return email, snapshot.get("requester_name") or email
    ref = snapshot["ref"].lower()
    return (
        f"no-requester+{ref}{PLACEHOLDER_DOMAIN}",
        f"No requester ({snapshot['ref']})",
    )


def is_marker(tag: str) -> bool:
    return tag.startswith((STATUS_MARKER, PRIORITY_MARKER))


def split_markers(tags: list[str]) -> tuple[str | None, int | None, list[str]]:
    """(our status, our priority, the other tags) from a remote tag list."""
    status = priority = None
    plain = []
    for tag in tags:
        if tag.startswith(STATUS_MARKER):
            status = tag[len(STATUS_MARKER) :]
        elif tag.startswith(PRIORITY_MARKER):
            try:
                priority = int(tag[len(PRIORITY_MARKER) :])
            except ValueError:
                continue
        else:
            plain.append(tag)
    return status, priority, plain


def parse_time(value) -> datetime | None:
    if not value:
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


class PinnedAdapter(HTTPAdapter):
    """Connects to the address the URL check approved for a host, while TLS (SNI
    and the certificate check) still uses the host name."""

    def __init__(self):
        super().__init__(max_retries=0)
        self.pins: dict[str, str] = {}

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        hostname = host_params["host"]
        if address := self.pins.get(hostname):
            host_params["host"] = address
            pool_kwargs["server_hostname"] = hostname
            pool_kwargs["assert_hostname"] = hostname
        return host_params, pool_kwargs


class HttpClient:
    """JSON over HTTPS to one connection: checks the URL, spends the rate budget,
    never follows redirects, always times out, and turns failures into SyncError."""

    def __init__(self, connection: Connection, auth_headers: dict[str, str]):
        self.connection = connection
        self.session = requests.Session()
        self.session.trust_env = False
        self.adapter = PinnedAdapter()
        self.session.mount("https://", self.adapter)
        self.session.headers.update(
            {"Accept": "application/json", "User-Agent": "helpdesk-sync/1"}
        )
        self.session.headers.update(auth_headers)
        self.requests_sent = 0
        # Whose share of the account's budget it spends (ratelimit.PUSH or PULL), and
        # how long a request may wait for it before failing as transient.
        self.lane = ratelimit.PUSH
        self.max_wait = 1.0

    def _wait_for_budget(self, method: str, path: str) -> None:
        """Spend the request's tokens, sleeping while the wait is short; a longer
        wait than `max_wait` is a transient failure that sent nothing."""
        waited = 0.0
        while wait := ratelimit.take(
            self.connection, lane=self.lane, method=method, path=path
        ):
            if waited + wait > self.max_wait:
                raise SyncError(
                    f"Rate budget spent; next request in {wait:.1f}s.",
                    permanent=False,
                    retry_after=wait,
                    counts=False,
                )
            time.sleep(wait)
            waited += wait

    def request(self, method: str, path: str, *, json=None, params=None, **body):
        """`body`: an upload's `data` (with `content_type`) or `files`."""
        url = self.connection.api_base + path
        try:
            address = urlsafety.checked_address(url, self.connection.platform)
        except urlsafety.UnsafeURL as exc:
            raise SyncError(f"Refused to send: {exc}", permanent=True) from None
        headers = {}
        if "content_type" in body:
            headers["Content-Type"] = body.pop("content_type")
        if address:
            hostname = urlsplit(url).hostname
            self.adapter.pins[hostname] = address
            # The connection goes to the IP, so name the host for the platform.
            headers["Host"] = hostname
        self._wait_for_budget(method, path)
        self.requests_sent += 1
        try:
            response = self.session.request(
                method,
                url,
                json=json,
                params=params,
                headers=headers,
                **body,
                timeout=tuple(settings.SYNC_HTTP_TIMEOUT),
                allow_redirects=False,
            )
            response.content  # noqa: B018 (read the whole answer)
        except requests.Timeout:
            raise SyncError(
                "The platform did not answer in time.", permanent=False
            ) from None
        except requests.RequestException as exc:
            raise SyncError(
                f"Could not reach the platform: {type(exc).__name__}.",
                permanent=False,
            ) from None
        return self._handle(response)

    def call(self, name: str, *, json=None, params=None, body=None, **path_args):
        """The platform's endpoint `name`, as its spec's `endpoints` has it
        ("METHOD /path/{id}"), with `path_args` quoted into the path."""
        method, path = (
            registry.get(self.connection.platform).endpoints[name].split(" ", 1)
        )
        quoted = {key: quote(str(value), safe="@") for key, value in path_args.items()}
        return self.request(
            method, path.format(**quoted), json=json, params=params, **(body or {})
        )

    def _handle(self, response: requests.Response) -> dict:
        code = response.status_code
        if 300 <= code < 400:
            raise SyncError(
                f"The platform answered with a redirect ({code}); redirects are "
                "never followed.",
                permanent=True,
                status_code=code,
            )
        if code == 429:
            raise SyncError(
                "Rate limited by the platform (429).",
                permanent=False,
                status_code=code,
                retry_after=ratelimit.retry_after(response),
            )
        if code in (408, 409) or code >= 500:
            raise SyncError(
                f"The platform answered {code}.",
                permanent=False,
                status_code=code,
                retry_after=ratelimit.retry_after(response),
            )
        if code in (401, 403):
            raise SyncError(
                f"The platform refused our credentials ({code}).",
                permanent=True,
                status_code=code,
            )
        if code >= 400:
            raise SyncError(
                f"The platform rejected the request ({code}): {response.text[:300]}",
                permanent=True,
                status_code=code,
            )
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise SyncError(
                "The platform answered with something that is not JSON.",
                permanent=False,
                status_code=code,
            ) from None


class Adapter(ABC):
    """One platform, in our terms. The platform's spec (registry) says what maps to
    what; each platform folder implements the exchanges and its true special
    cases."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.spec = registry.get(connection.platform)
        self.label = self.spec.label
        self.names = self.spec.fields
        self._user_ids: dict[str, str | None] = {}
        self._user_emails: dict[str, str | None] = {}
        # Where a pull without a cursor begins, when not the first-pull window.
        self.since: datetime | None = None

    def pull_start(self) -> datetime:
        """Where a pull without a cursor begins: `since` when set (a backfill),
        else the connection's first-pull window."""
        if self.since is not None:
            return self.since
        hours = self.connection.first_pull_hours or settings.SYNC_FIRST_PULL_HOURS
        return datetime.now(UTC) - timedelta(hours=hours)

    # --- the ticket in the platform's JSON and back ---

    def _outgoing(self, snapshot: dict, fields) -> dict:
        """`fields` of the snapshot as the platform's ticket JSON. Our exact status
        and priority also travel as marker tags, so a round trip loses nothing."""
        body: dict = {}
        if "subject" in fields:
            body[self.names.subject] = snapshot["subject"]
        if "status" in fields:
            body.update(self._status_out(snapshot["status"]))
        if "priority" in fields:
            body["priority"] = self.spec.priority.remote(snapshot["priority"])
        if "assignee" in fields:
            email = snapshot.get("assignee_email")
            user_id = self.user_id_for_email(email) if email else None
            body[self.names.assignee] = self._assignee_out(user_id)
        if {"tags", "status", "priority"} & set(fields):
            names = snapshot["tags"] + marker_tags(
                snapshot["status"], snapshot["priority"]
            )
            body["tags"] = self._tags_out(sorted(names))
        return body

    def _incoming(
        self, fields: dict, *, remote_id, url: str, raw: dict
    ) -> RemoteTicket:
        """The platform's ticket JSON in our terms. Fields missing from `fields` (a
        partial webhook) or holding values the spec does not know stay None:
        unknown, so nothing changes on our side."""
        status_marker, priority_marker, tags = split_markers(self._tag_names(fields))
        remote_status = fields.get("status") or ""
        names = self.names
        return RemoteTicket(
            remote_id=str(remote_id),
            url=url,
            subject=fields.get(names.subject),
            status=self._status_in(remote_status, status_marker, fields)
            if remote_status
            else None,
            priority=self.spec.priority.ours(fields.get("priority"), priority_marker)
            if "priority" in fields
            else None,
            assignee_id=self._assignee_in(fields)
            if self._has_assignee(fields)
            else None,
            tags=tags if "tags" in fields else None,
            external_id=fields.get(names.external_id) or "",
            updated_at=parse_time(fields.get(names.updated)),
            remote_status=str(remote_status).lower(),
            raw=raw,
        )

    def _status_out(self, status: str) -> dict:
        return {"status": self.spec.status.remote(status)}

    def _status_in(self, remote_status, marker: str | None, fields: dict):
        return self.spec.status.ours(remote_status, marker)

    def _has_assignee(self, fields: dict) -> bool:
        return self.names.assignee in fields

    def _assignee_out(self, user_id: str | None):
        return int(user_id) if user_id else None

    def _assignee_in(self, fields: dict) -> str:
        value = fields[self.names.assignee]
        return str(value) if value else ""

    def _tags_out(self, names: list[str]):
        return names

    def _tag_names(self, fields: dict) -> list[str]:
        return fields.get("tags") or []

    # Sending: `snapshot` is the ticket as it was when the change was made (see
    # outbox.snapshot): ref, subject, content, status, priority, assignee_email,
    # tags, requester_email, requester_name.

    @abstractmethod
    def test_connection(self) -> str:
        """One harmless authenticated request; a message saying who we are there."""

    @abstractmethod
    def find_by_external_id(self, ref: str) -> RemoteTicket | None:
        """The remote ticket carrying our reference, if one exists."""

    @abstractmethod
    def create(self, snapshot: dict) -> RemoteTicket:
        """Create the remote ticket (our reference in its external-id field)."""

    @abstractmethod
    def update(self, link, snapshot: dict, fields: list[str]) -> RemoteTicket:
        """Send `fields` of the snapshot to the linked remote ticket."""

    @abstractmethod
    def add_comment(
        self, link, body: str, public: bool, snapshot: dict, files=()
    ) -> Posted:
        """Add a public reply or an internal note, with its `files`
        (OutgoingFile), to the linked remote ticket."""

    def comments_of(self, remote: RemoteTicket) -> list[RemoteComment]:
        """The remote ticket's comments, oldest first: given inline, or read."""
        return remote.comments or self._fetch_comments(remote.remote_id)

    @abstractmethod
    def _fetch_comments(self, remote_id: str) -> list[RemoteComment]:
        """Every comment of the remote ticket, oldest first."""

    @abstractmethod
    def fetch(self, remote_id: str) -> RemoteTicket:
        """The remote ticket as it stands now."""

    @abstractmethod
    def pull_changes(self, cursor: str) -> tuple[list[RemoteTicket], str, bool]:
        """Tickets changed since `cursor`: (tickets, next cursor, more to come)."""

    # Receiving.

    @abstractmethod
    def verify_webhook(self, headers, body: bytes) -> None:
        """Raise WebhookRejected unless the raw body is authentic and fresh."""

    @abstractmethod
    def parse_webhook(self, body: bytes) -> WebhookData:
        """The event id and the ticket state an authentic body carries."""

    # Assignees are matched by e-mail.

    def user_id_for_email(self, email: str) -> str | None:
        if email not in self._user_ids:
            self._user_ids[email] = self._lookup_user_id(email)
        return self._user_ids[email]

    def file_url(self, remote: RemoteFile) -> str:
        """Where to download a pulled comment's file now: its own URL, unless
        the platform hands out short-lived ones on request (Kustomer)."""
        return remote.url

    def email_for_user_id(self, user_id: str) -> str | None:
        """None for a user the platform does not know (404): no member of ours."""
        if user_id not in self._user_emails:
            try:
                self._user_emails[user_id] = self._lookup_email(user_id)
            except SyncError as exc:
                if exc.status_code != 404:
                    raise
                self._user_emails[user_id] = None
        return self._user_emails[user_id]

    def requester_for(
        self, remote: RemoteTicket, lookup: bool = True
    ) -> tuple[str, str] | None:
        """(e-mail, name) of the remote ticket's requester, None when unknown or
        one of our own placeholders (requester_of). Without `lookup` only a
        requester the platform gave inline counts (no request is made)."""
        found = remote.requester
        if found is None and lookup and remote.requester_id:
            key = f"requester:{remote.requester_id}"
            if key not in self._user_emails:
                try:
                    self._user_emails[key] = self._lookup_requester(remote.requester_id)
                except SyncError as exc:
                    if exc.status_code != 404:
                        raise
                    self._user_emails[key] = None
            found = self._user_emails[key]
        if not found or not found[0] or found[0].endswith(PLACEHOLDER_DOMAIN):
            return None
        return found

    def _lookup_requester(self, requester_id: str) -> tuple[str, str] | None:
        """(e-mail, name) of a requester by the platform's id."""
        return None

    @abstractmethod
    def _lookup_user_id(self, email: str) -> str | None:
        """The platform's user id for an e-mail address."""

    @abstractmethod
    def _lookup_email(self, user_id: str) -> str | None:
        """The e-mail address of a platform user."""

    @property
    def requests_sent(self) -> int:
        return self.client.requests_sent
