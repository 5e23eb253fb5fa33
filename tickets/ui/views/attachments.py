"""Attachments served to members of their workspace only."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.views.decorators.http import require_GET

from tickets import selectors
from tickets.attachments import attachment_response
from tickets.models import Attachment
from tickets.ui.views.base import member_for


@login_required
@require_GET
def attachment_download(request, slug: str, key, preview: bool = False):
    """The file, as a download; a raster image inline when `preview`. Anyone who is
    not a member of its workspace gets 404, as for a key that does not exist."""
    membership = member_for(request, slug)
    try:
        attachment = selectors.attachment_get(membership=membership, key=key)
    except Attachment.DoesNotExist:
        raise Http404("No such attachment.") from None
    if preview and not attachment.is_image:
        raise Http404("No preview for this file.")
    return attachment_response(attachment, inline=preview)
