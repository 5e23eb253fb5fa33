"""Where outbound sync requests may go: https, on the platform's own domain, never to
a private, loopback, link-local or metadata address (checked at save and at send)."""

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from django.conf import settings

from integrations import registry

SUBDOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


class UnsafeURL(ValueError):
    """The URL may not be used for outbound sync requests."""


def default_base_url(platform: str, subdomain: str) -> str:
    subdomain = (subdomain or "").strip().lower()
    if not SUBDOMAIN.match(subdomain):
        raise UnsafeURL(f"{subdomain!r} is not a valid account subdomain.")
    return registry.get(platform).default_base_url(subdomain)


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _local_fake_allowed(scheme: str, host: str) -> bool:
    return bool(settings.SYNC_ALLOW_LOCAL_URLS) and host in LOCAL_HOSTS


def check_url(url: str, platform: str, *, resolve: bool = True) -> str:
    """Return `url` if it is safe for `platform`, else raise UnsafeURL saying why.

    With `resolve`, the host's addresses are looked up and every one must be public,
    so a platform-looking name that resolves inside our network is refused too.
    """
    _checked_addresses(url, platform, resolve=resolve)
    return url


def checked_address(url: str, platform: str) -> str | None:
    """The public address to connect to for `url` (checked like `check_url`), so
    the request goes where the check looked: a second DNS answer (rebinding to an
    internal address between check and connect) is never consulted. None for the
    local fake servers that SYNC_ALLOW_LOCAL_URLS lets through."""
    addresses = _checked_addresses(url, platform, resolve=True)
    return addresses[0] if addresses else None


def checked_file_address(url: str, platform: str) -> str | None:
    """Like `checked_address`, for a platform's files, which may live on its file
    hosts (PlatformSpec.file_domains) as well as on its own domain."""
    spec = registry.get(platform)
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError as exc:
        raise UnsafeURL(f"The URL cannot be read: {exc}.") from None
    domains = (spec.domain, *spec.file_domains)
    domain = next((d for d in domains if host.endswith("." + d)), spec.domain)
    addresses = _https_addresses(url, resolve=True, domain=domain)
    return addresses[0] if addresses else None


def _checked_addresses(url: str, platform: str, *, resolve: bool) -> list[str]:
    """The checks of a platform URL: those of any https URL, on the platform's
    own domain."""
    return _https_addresses(url, resolve=resolve, domain=registry.get(platform).domain)


def _https_addresses(url: str, *, resolve: bool, domain: str = "") -> list[str]:
    """https on the standard port, a host name (no IP literal, no user name or
    password), on `domain` when given, resolving to public addresses only. [] when
    not resolving or for the local servers SYNC_ALLOW_LOCAL_URLS lets through."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"The URL cannot be read: {exc}.") from None
    if _local_fake_allowed(parts.scheme, host):
        return []
    if parts.scheme != "https":
        raise UnsafeURL(
            f"Only https URLs are allowed, not {parts.scheme or 'none'}://."
        )
    if not host:
        raise UnsafeURL("The URL has no host.")
    if parts.username or parts.password:
        raise UnsafeURL("The URL may not carry a user name or password.")
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        kind = "public" if _is_public(str(literal)) else "private"
        raise UnsafeURL(f"{host} is a {kind} IP address; give a host name.")
    if domain and not host.endswith("." + domain):
        raise UnsafeURL(f"{host} is not on {domain}.")
    if port not in (None, 443):
        raise UnsafeURL("Only the standard https port is allowed.")
    return _public_addresses(host) if resolve else []


def _public_addresses(host: str) -> list[str]:
    """Every address `host` resolves to, all of them public, else UnsafeURL."""
    try:
        infos = socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise UnsafeURL(f"{host} does not resolve.") from None
    addresses = [info[4][0] for info in infos]
    for address in addresses:
        if not _is_public(address):
            raise UnsafeURL(f"{host} resolves to a non-public address {address}.")
    return addresses


def check_callback_url(url: str, *, resolve: bool = True) -> list[str]:
    """The public addresses to POST to for a callback `url` on any domain (a chat
    platform's), checked like a platform URL but on any domain."""
    return _https_addresses(url, resolve=resolve)
