"""Files to and from a platform outside its JSON API: a pulled comment's
attachments are downloaded, and Kustomer's presigned upload form is posted. Both
are checked like every outbound sync request (https, the platform's own or file
domains, public addresses only, the checked address pinned, no redirects, time
limits) and a download stops at the attachment size limit."""

from urllib.parse import urlsplit

import requests
from django.conf import settings

from integrations import urlsafety
from integrations.base import PinnedAdapter, SyncError
from integrations.content import RemoteFile

CHUNK = 64 * 1024


class FileRefused(Exception):
    """A remote file we do not copy; the message says why, naming the file."""


def _session(url: str, platform: str) -> tuple[requests.Session, dict]:
    try:
        address = urlsafety.checked_file_address(url, platform)
    except urlsafety.UnsafeURL as exc:
        raise FileRefused(str(exc)) from None
    session = requests.Session()
    session.trust_env = False
    adapter = PinnedAdapter()
    session.mount("https://", adapter)
    headers = {"User-Agent": "helpdesk-sync/1"}
    if address:
        hostname = urlsplit(url).hostname
        adapter.pins[hostname] = address
        headers["Host"] = hostname
    return session, headers


def download(adapter, remote: RemoteFile, max_bytes: int) -> bytes:
    """The file's bytes; FileRefused when it may not be fetched or is too big,
    SyncError (transient) when the platform fails. Our credentials go only to the
    API's own host: a file may be hosted elsewhere."""
    if remote.size and remote.size > max_bytes:
        raise FileRefused(f"{remote.name} is over the size limit.")
    url = _url(adapter, remote)
    session, headers = _session(url, adapter.connection.platform)
    api_host = urlsplit(adapter.connection.api_base).hostname
    if urlsplit(url).hostname == api_host:
        headers = {**adapter.client.session.headers, **headers}
    try:
        with session.get(
            url,
            headers=headers,
            stream=True,
            allow_redirects=False,
            timeout=tuple(settings.SYNC_HTTP_TIMEOUT),
        ) as response:
            if response.status_code >= 500 or response.status_code == 429:
                raise SyncError(
                    f"The file host answered {response.status_code}.", permanent=False
                )
            if response.status_code != 200:
                raise FileRefused(
                    f"{remote.name} could not be fetched ({response.status_code})."
                )
            return _read_capped(response, remote.name, max_bytes)
    except requests.RequestException as exc:
        raise SyncError(
            f"Could not fetch {remote.name}: {type(exc).__name__}.", permanent=False
        ) from None


def _url(adapter, remote: RemoteFile) -> str:
    """The file's download URL as the platform gives it now; a refusal there
    (gone, not allowed) names the file instead of stopping the pull."""
    try:
        url = adapter.file_url(remote)
    except SyncError as exc:
        if not exc.permanent:
            raise
        raise FileRefused(
            f"{remote.name} could not be fetched ({exc.status_code})."
        ) from None
    if not url:
        raise FileRefused(f"{remote.name} has no download link.")
    return url


def _read_capped(response, name: str, max_bytes: int) -> bytes:
    data = bytearray()
    for chunk in response.iter_content(CHUNK):
        data += chunk
        if len(data) > max_bytes:
            raise FileRefused(f"{name} is over the size limit.")
    return bytes(data)


def post_form(platform: str, url: str, fields: dict, file: tuple) -> None:
    """A multipart upload to a presigned form (`fields`, then the `file` as
    (name, bytes, content type)); SyncError when it is refused or fails."""
    try:
        session, headers = _session(url, platform)
    except FileRefused as exc:
        raise SyncError(f"Refused to upload: {exc}", permanent=True) from None
    try:
        response = session.post(
            url,
            data=fields,
            files={"file": file},
            headers=headers,
            allow_redirects=False,
            timeout=tuple(settings.SYNC_HTTP_TIMEOUT),
        )
    except requests.RequestException as exc:
        raise SyncError(
            f"Could not upload a file: {type(exc).__name__}.", permanent=False
        ) from None
    if not 200 <= response.status_code < 300:
        raise SyncError(
            f"The file upload was refused ({response.status_code}).",
            permanent=400 <= response.status_code < 500,
            status_code=response.status_code,
        )
