"""Every platform we sync with, one entry each (like healthchecks' TRANSPORTS).

Each platform folder holds a `platform.py` whose `PLATFORM` is a `PlatformSpec`;
they are collected here on first use. Every choice list, label, URL template,
domain the URL check allows, required credential, default rate budget and adapter
is read from this registry, so a new platform touches only its own folder."""

import importlib.util
import pkgutil
from dataclasses import dataclass
from functools import cached_property
from importlib import import_module

from django.utils.module_loading import import_string


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
    # Whether the platform itself sends the customer the public replies we push
    # (then messaging hands a synced ticket's reply to the sync and sends nothing).
    delivers_public_replies: bool = False

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
