"""Fields of the ticket API's write bodies that take what a client has at hand:
`assignee` as a member's id or "me", `requester` as a contact's id or an
e-mail address (the contact is found, or made, in the caller's workspace)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from helpdesk.models import Contact
from helpdesk.services import contact_upsert

User = get_user_model()


class _WorkspaceField(serializers.Field):
    """A row of the serializer context's workspace; null allowed."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    @property
    def workspace(self):
        membership = self.context.get("membership")
        if membership is None:
            self.fail("missing")
        return membership.workspace

    def _id(self, data):
        if isinstance(data, int) and not isinstance(data, bool):
            return data
        if isinstance(data, str) and data.isascii() and data.isdigit():
            return int(data)  # multipart forms send text
        self.fail("invalid", value=data)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 1},
            {"type": "string", "enum": ["me"]},
        ],
        "nullable": True,
        "description": "A member's user id, `me` (the caller) or null (nobody).",
    }
)
class AssigneeField(_WorkspaceField):
    default_error_messages = {
        "invalid": "Give a member's user id, 'me' or null; got {value!r}.",
        "not_member": "No member with id {value} in this workspace.",
        "missing": "No workspace.",
    }

    def to_internal_value(self, data):
        membership = self.context["membership"]
        if data == "me":
            return membership.user
        user_id = self._id(data)
        user = User.objects.filter(
            pk=user_id, memberships__workspace=membership.workspace
        ).first()
        if user is None:
            self.fail("not_member", value=user_id)
        return user

    def to_representation(self, value):
        return value.pk


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 1},
            {"type": "string", "format": "email", "maxLength": 254},
        ],
        "nullable": True,
        "description": "A contact's id (GET .../contacts/?q= finds it) or an "
        "e-mail address: that contact of the workspace, made if new.",
    }
)
class RequesterField(_WorkspaceField):
    default_error_messages = {
        "invalid": "Give a contact id or an e-mail address; got {value!r}.",
        "not_found": "No contact with id {value} in this workspace.",
        "missing": "No workspace.",
    }

    def to_internal_value(self, data):
        if isinstance(data, str) and "@" in data:
            return self._by_email(data.strip())
        contact_id = self._id(data)
        contact = Contact.objects.filter(
            pk=contact_id, workspace=self.workspace
        ).first()
        if contact is None:
            self.fail("not_found", value=contact_id)
        return contact

    def to_representation(self, value):
        return value.pk

    def _by_email(self, email: str) -> Contact:
        """The known contact, or an unsaved one the view saves (`save_requester`)
        once the whole body is valid, so a refused body makes no contact."""
        try:
            if len(email) > 254:
                raise DjangoValidationError("too long")
            validate_email(email)
        except DjangoValidationError:
            self.fail("invalid", value=email[:60])
        known = (
            Contact.objects.alias(email_lower=Lower("email"))
            .filter(workspace=self.workspace, email_lower=email.lower())
            .first()
        )
        return known or Contact(workspace=self.workspace, email=email)


def save_requester(values: dict) -> None:
    """Make the contact a `requester` e-mail named, if it is new."""
    contact = values.get("requester")
    if contact is not None and contact.pk is None:
        values["requester"] = contact_upsert(
            workspace=contact.workspace, email=contact.email
        )
