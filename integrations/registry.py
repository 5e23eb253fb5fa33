"""Every platform we sync with, one entry each (like healthchecks' TRANSPORTS).

Each platform folder holds a `platform.py` whose `PLATFORM` is a `PlatformSpec`;
they are collected here on first use. Every choice list, label, URL template,
domain the URL check allows, required credential, rate budget (account-wide and
per endpoint), value map, field name, webhook scheme and adapter is read from this
registry, so a new platform touches only its own folder. docs/sync.md lists them
per platform."""

import importlib.util
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import import_module
from typing import Any

from django.utils.module_loading import import_string


def _fold(value):
    return value.strip().lower() if isinstance(value, str) else value


@dataclass(frozen=True)
class ValueMap:
    """Our values in a platform's terms (`to_remote`) and back (`from_remote`, whose
    keys are lower case: the platform's values are compared case-insensitively, so
    a webhook's "OPEN" is the API's "open"). A remote value the map does not know
    is None: unknown, so nothing is changed on our side."""

    to_remote: Mapping[Any, Any]
    from_remote: Mapping[Any, Any]

    def remote(self, ours):
        return self.to_remote[ours]

    def ours(self, remote, marker=None):
        """Our value for `remote`; `marker` (our exact value, carried in a marker
        tag) wins when it is one that maps to `remote`."""
        key = _fold(remote)
        if marker in self.to_remote and _fold(self.to_remote[marker]) == key:
            return marker
        return self.from_remote.get(key)


@dataclass(frozen=True)
class EndpointLimit:
    """A documented per-endpoint limit: `requests` per `per_seconds` for the
    requests whose "METHOD /path" (after the API base) starts with one of
    `endpoints`. The rate budget (integrations.ratelimit) keeps one bucket per
    group besides the account-wide one."""

    group: str
    requests: int
    per_seconds: int
    endpoints: tuple[str, ...] = ()

    def applies(self, method: str, path: str) -> bool:
        request = f"{method.upper()} {path}"
        return any(request.startswith(prefix) for prefix in self.endpoints)


@dataclass(frozen=True)
class FieldNames:
    """What a platform's ticket JSON calls our fields."""

    subject: str = "subject"
    assignee: str = "assignee_id"
    external_id: str = "external_id"
    updated: str = "updated_at"


@dataclass(frozen=True)
class PlatformSpec:
    """What we know about one platform, as data."""

    key: str  # stored in Connection.platform and ExternalLink.platform
    label: str
    domain: str  # outbound requests go to hosts on this domain only
    base_url: str  # the API's address, with {subdomain} in it
    credentials: tuple[str, ...]  # required fields (an `oauth_token` also does)
    rate_limit: tuple[int, int]  # the documented budget: (requests, seconds)
    webhook: str  # how its inbound webhooks are authenticated, for people
    adapter: str  # dotted path of its integrations.base.Adapter subclass
    status: ValueMap = ValueMap({}, {})  # our status <-> theirs
    priority: ValueMap = ValueMap({}, {})  # our priority (1-5) <-> theirs
    fields: FieldNames = FieldNames()
    # name -> "METHOD /path" of each endpoint used (the clients call them by name)
    endpoints: Mapping[str, str] = field(default_factory=dict)
    paging: str = ""  # how the incremental pull pages, for people
    rate_limits: tuple[EndpointLimit, ...] = ()  # besides `rate_limit`
    # True: the platform itself delivers a public reply posted through the API to
    # the customer, so our own channel must not send it again; False: the reply is
    # only recorded there and our channel delivers it.
    delivers_public_replies: bool = False
    # Other domains its comments' files are downloaded from or uploaded to.
    file_domains: tuple[str, ...] = ()

    def default_base_url(self, subdomain: str) -> str:
        return self.base_url.format(subdomain=subdomain)

    @cached_property
    def adapter_class(self) -> type:
        """The integrations.base.Adapter subclass (imported on first use: the
        registry sits below models and adapters, so it imports neither)."""
        return import_string(self.adapter)


_platforms: dict[str, PlatformSpec] = {}


def platforms() -> dict[str, PlatformSpec]:
    """Key -> spec of every platform folder with a platform.py, by key."""
    if not _platforms:
        found = {}
        folders = pkgutil.iter_modules(import_module("integrations").__path__)
        for folder in sorted(folders, key=lambda info: info.name):
            name = f"integrations.{folder.name}.platform"
            if folder.ispkg and importlib.util.find_spec(name):
                spec = import_module(name).PLATFORM
                found[spec.key] = spec
        _platforms.update(found)  # all at once: another thread never sees a part
    return _platforms


def get(key: str) -> PlatformSpec:
    return platforms()[key]


def delivering_platforms() -> set[str]:
    """Keys of the platforms that send pushed public replies to the customer."""
    return {key for key, spec in platforms().items() if spec.delivers_public_replies}


def choices() -> list[tuple[str, str]]:
    """(key, label) of every platform: the choices of the models' platform fields
    (a callable, so a new platform needs no migration) and of the API."""
    return [(spec.key, spec.label) for spec in platforms().values()]


def adapter_for(connection):
    """The adapter (integrations.base.Adapter) for a Connection's platform."""
    return get(connection.platform).adapter_class(connection)
