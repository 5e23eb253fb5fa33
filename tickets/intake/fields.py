"""Strict DRF fields for the intake's payloads: JSON types as the schema states them.

DRF's own fields coerce (`"35"` is an integer, `"yes"` is true, a naive time takes
the server's zone); the intake refuses what its schema does not promise, as it
always has, so a client's mistake is a 400 naming the field, not a guess.
"""

import re
from collections.abc import Mapping
from datetime import UTC, datetime

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from helpdesk.lib.parsing import clean_text

# Seed vocabularies for priority: Low/Normal/High/Urgent and Low/Medium/High/Critical.
PRIORITY_WORDS = {
    "lowest": 1,
    "low": 2,
    "normal": 3,
    "medium": 3,
    "high": 4,
    "urgent": 5,
    "critical": 5,
}
DOMAIN = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)


STRIPPED = "stripped_characters"


class _StrictText:
    """Only a JSON string is text; null is the empty string; whitespace trimmed.
    NULs and lone surrogates (which no database stores) are removed, never a
    reason to refuse the payload: how many is added up in the serializer
    context's `stripped_characters`, for the stored record."""

    def __init__(self, *, limit: int, required: bool = False, **kwargs):
        messages = {
            "not_a_string": "Must be a string.",
            "blank": "This field is required.",
            "null": "This field is required.",
            "max_length": f"At most {limit:,} characters.",
            **kwargs.pop("error_messages", {}),
        }
        super().__init__(
            max_length=limit,
            required=required,
            allow_blank=not required,
            allow_null=not required,
            error_messages=messages,
            **kwargs,
        )

    def run_validation(self, data=serializers.empty):
        if data is None and self.allow_null:
            return ""
        return super().run_validation(data)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        data, removed = clean_text(data)
        if removed:
            context = self.context
            context[STRIPPED] = context.get(STRIPPED, 0) + removed
        return super().to_internal_value(data)


class Text(_StrictText, serializers.CharField):
    """A string of at most `limit` characters ("" when absent or null)."""


class Email(_StrictText, serializers.EmailField):
    """An e-mail address ("" when absent or null)."""

    def __init__(self, **kwargs):
        messages = {"invalid": "Not a valid e-mail address."}
        super().__init__(limit=254, error_messages=messages, **kwargs)


class Integer(serializers.IntegerField):
    """A JSON integer only (no numeric strings, floats or booleans)."""

    def __init__(self, *, message: str, **kwargs):
        super().__init__(
            error_messages={
                "invalid": message,
                "min_value": message,
                "max_value": message,
            },
            **kwargs,
        )

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class Boolean(serializers.BooleanField):
    """true or false only ("yes" and 1 are refused); null is false when
    `null_is_false`, else refused."""

    default_error_messages = {"invalid": "Must be true or false."}

    def __init__(self, *, null_is_false: bool = True, **kwargs):
        super().__init__(allow_null=null_is_false, **kwargs)

    def validate_empty_values(self, data):
        if data is None and self.allow_null:
            return True, False
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class AwareDateTime(serializers.DateTimeField):
    """An ISO 8601 time with a zone, stored in UTC (databases refuse some offsets
    Python accepts, e.g. +16:51)."""

    default_error_messages = {
        "invalid": "{value!r} is not an ISO 8601 date and time.",
        "naive": "Give a time zone (e.g. 2026-01-31T09:30:00Z).",
    }

    def validate_empty_values(self, data):
        if data == "" and self.allow_null:
            return True, None
        return super().validate_empty_values(data)

    def to_internal_value(self, value) -> datetime:
        try:
            parsed = parse_datetime(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None:
            self.fail("invalid", value=value)
        if timezone.is_naive(parsed):
            self.fail("naive")
        return parsed.astimezone(UTC)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 1, "maximum": 5},
            {"type": "string", "enum": list(PRIORITY_WORDS)},
        ],
        "nullable": True,
        "description": "1 (lowest) to 5 (urgent), or a word: "
        + ", ".join(PRIORITY_WORDS),
    }
)
class Priority(serializers.Field):
    """1-5, or one of the seeds' words (Low, Normal, High, Urgent, Critical...)."""

    default_error_messages = {
        "invalid": "Priority must be 1-5 or one of "
        f"{', '.join(PRIORITY_WORDS)}; got {{value!r}}."
    }

    def __init__(self, **kwargs):
        super().__init__(required=False, allow_null=True, **kwargs)

    def validate_empty_values(self, data):
        if data == "":
            return True, None
        return super().validate_empty_values(data)

    def to_internal_value(self, data) -> int:
        if isinstance(data, str) and data.strip().lower() in PRIORITY_WORDS:
            return PRIORITY_WORDS[data.strip().lower()]
        if isinstance(data, int) and not isinstance(data, bool) and 1 <= data <= 5:
            return data
        self.fail("invalid", value=data)

    def to_representation(self, value):
        return value


@extend_schema_field(OpenApiTypes.INT)
class WorkspaceRow(serializers.PrimaryKeyRelatedField):
    """A row of the workspace in the serializer's context, by id (or the row);
    `scope` is the lookup from the row to its workspace."""

    def __init__(
        self,
        model: type[models.Model],
        name: str,
        *,
        scope: str = "workspace",
        message: str = "",
        **kwargs,
    ):
        message = message or f"That {name} does not exist in this workspace."
        self.scope = scope
        super().__init__(
            queryset=model.objects.all(),
            required=False,
            allow_null=True,
            error_messages={"does_not_exist": message, "incorrect_type": message},
            **kwargs,
        )

    def get_queryset(self):
        return super().get_queryset().filter(**{self.scope: self.context["workspace"]})

    def to_internal_value(self, data):
        if isinstance(data, models.Model):
            data = data.pk
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class JsonObject(serializers.Serializer):
    """A JSON object; a nested one that is something else is an error on its own
    name (`conversation`, `conversation.messages.2`), not on a sub-field."""

    default_error_messages = {
        "invalid": "Send a JSON object.",
        "not_an_object": "Must be an object.",
    }

    def run_validation(self, data=serializers.empty):
        nested = self.parent is not None
        if (
            nested
            and data not in (serializers.empty, None)
            and not isinstance(data, Mapping)
        ):
            raise serializers.ValidationError(
                [self.error_messages["not_an_object"]], code="invalid"
            )
        return super().run_validation(data)
