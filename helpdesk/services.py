"""Writes for tenancy objects: contacts and memberships."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from helpdesk.models import Contact, Workspace


def contact_upsert(
    *, workspace: Workspace, email: str = "", name: str = "", external_id: str = ""
) -> Contact:
    """The workspace's contact with this e-mail (or external id), created if new.

    A known contact keeps its name unless it had none.
    """
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                {"email": [f"{email!r} is not a valid e-mail address."]}
            ) from None
    if not email and not external_id:
        raise ValidationError(
            {"email": ["A contact needs an e-mail or an external id."]}
        )
    if email:
        # Spelled to match the unique index on (workspace, lower(email)) where the
        # e-mail is not empty; email__iexact (UPPER) would scan every contact.
        known = (
            Contact.objects.alias(email_lower=Lower("email"))
            .filter(email_lower=email.lower())
            .exclude(email="")
        )
    else:
        known = Contact.objects.filter(external_id=external_id)
    for _attempt in range(2):
        contact = known.filter(workspace=workspace).first()
        if contact is not None:
            changed = []
            if name and not contact.name:
                contact.name = name
                changed.append("name")
            if external_id and not contact.external_id:
                contact.external_id = external_id
                changed.append("external_id")
            if changed:
                contact.save(update_fields=changed)
            return contact
        try:
            with transaction.atomic():
                return Contact.objects.create(
                    workspace=workspace, email=email, name=name, external_id=external_id
                )
        except IntegrityError:
            continue  # created concurrently: read it back
    raise ValidationError({"email": ["Could not save the contact; try again."]})
