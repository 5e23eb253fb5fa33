"""The API's OpenAPI schema class (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]); apart
from helpdesk.lib.api because drf-spectacular's module imports DRF's views, which
read the settings that name helpdesk.lib.api."""

from drf_spectacular import openapi
from rest_framework import serializers


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, where an e-mail field that may be blank says so:
    `format: email` alone makes "" (a contact or a channel without an address) a
    schema violation."""

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)  # adds `format: email`
        blank_ok = isinstance(field, serializers.EmailField) and field.allow_blank
        if blank_ok and schema.get("format") == "email":
            del schema["format"]
            schema["anyOf"] = [{"format": "email"}, {"maxLength": 0}]
