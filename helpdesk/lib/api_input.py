"""Strict API input: a body field the serializer does not know, a JSON value of the
wrong type, or a query parameter the endpoint does not read is a 400 naming it,
never silently ignored or coerced (DRF's fields turn 5 into "5" and "yes" into
true; a misspelt filter would list everything).

`StrictInput` is mixed into a write serializer; its request component then
carries `additionalProperties: false` in the OpenAPI schema (`strict_bodies`, a
drf-spectacular postprocessing hook), so the schema says what the server does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.http import QueryDict
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

# Serializer names whose request bodies refuse unknown fields (filled by
# StrictInput subclasses), for the schema hook.
STRICT_COMPONENTS: set[str] = set()
# Keys DRF's own HTML forms post along with the fields.
FORM_EXTRAS = {"csrfmiddlewaretoken"}

_TYPES: list[tuple[tuple[type, ...], tuple[type, ...], str]] = [
    # (field classes, accepted JSON types, message); first match wins.
    ((serializers.BooleanField,), (bool,), "Must be true or false."),
    ((serializers.IntegerField,), (int,), "Must be an integer."),
    (
        (serializers.FloatField, serializers.DecimalField),
        (int, float),
        "Must be a number.",
    ),
    ((serializers.PrimaryKeyRelatedField,), (int,), "Must be an integer id."),
    ((serializers.ListField, serializers.ManyRelatedField), (list,), "Must be a list."),
    ((serializers.DictField, serializers.Serializer), (dict,), "Must be an object."),
    (
        (
            serializers.CharField,
            serializers.DateTimeField,
            serializers.DateField,
            serializers.UUIDField,
        ),
        (str,),
        "Must be a string.",
    ),
]


def _type_error(field: serializers.Field, value: Any) -> str | None:
    """The message when `value` is not the JSON type `field` takes, else None."""
    if value is None or getattr(field, "accepts_any_json", False):
        return None  # null is the field's own business (allow_null)
    if isinstance(field, serializers.ChoiceField) and not isinstance(
        field, serializers.MultipleChoiceField
    ):
        numeric = all(isinstance(key, int) for key in field.choices)
        wanted, message = (
            ((int,), "Must be an integer.")
            if numeric
            else ((str,), "Must be a string.")
        )
    else:
        found = next((t for t in _TYPES if isinstance(field, t[0])), None)
        if found is None:
            return None
        _, wanted, message = found
    if isinstance(value, bool) and bool not in wanted:
        return message
    return None if isinstance(value, wanted) else message


class StrictInput:
    """Mix into a Serializer: unknown fields and wrong JSON types are 400s."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        STRICT_COMPONENTS.add(cls.__name__.removesuffix("Serializer"))

    def unknown_field_message(self, name: str) -> str:
        known = ", ".join(sorted(self._writable()))
        return f"Unknown field {name!r}; this body takes: {known}."

    def _writable(self) -> set[str]:
        return {name for name, field in self.fields.items() if not field.read_only}

    def _type_errors(self, data: Mapping) -> dict[str, list[str]]:
        found = {
            name: _type_error(field, data[name])
            for name, field in self.fields.items()
            if name in data and not field.read_only
        }
        return {name: [message] for name, message in found.items() if message}

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {
                name: [self.unknown_field_message(name)]
                for name in sorted(set(data) - self._writable() - FORM_EXTRAS)
            }
            if not isinstance(data, QueryDict):  # a form posts text only
                errors.update(self._type_errors(data))
            if errors:
                raise ValidationError(errors)
        return super().to_internal_value(data)


def refuse_unknown_params(params: Iterable[str], known: Iterable[str]) -> None:
    """A 400 naming each query parameter not in `known`."""
    known = set(known)
    unknown = sorted(set(params) - known)
    if unknown:
        listed = ", ".join(sorted(known))
        raise ValidationError(
            {
                name: [f"Unknown parameter {name!r}; known: {listed}."]
                for name in unknown
            }
        )


def strict_bodies(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: StrictInput request bodies say
    `additionalProperties: false` (PATCH bodies are the `Patched...` components)."""
    schemas = result.get("components", {}).get("schemas", {})
    for name in STRICT_COMPONENTS:
        for component in (name, f"Patched{name}"):
            if component in schemas:
                schemas[component]["additionalProperties"] = False
    return result
