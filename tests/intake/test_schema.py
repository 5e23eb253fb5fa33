"""The escalation endpoints' OpenAPI request bodies are the serializers that
validate them: a field added to a serializer is in the schema, and what the schema
requires is what the serializer refuses without."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from tickets.intake.serializers import (
    CustomerMessagesSerializer,
    EscalationConversationSerializer,
    EscalationMessageSerializer,
    EscalationPayloadSerializer,
    EscalationRuleInputSerializer,
)

W = "/api/v1/workspaces/{workspace_slug}"
BODIES = {
    ("post", f"{W}/escalations/"): EscalationPayloadSerializer,
    ("post", f"{W}/conversations/{{id}}/messages/"): CustomerMessagesSerializer,
    ("post", f"{W}/escalation-rules/"): EscalationRuleInputSerializer,
}


def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _body(schema: dict, method: str, path: str) -> dict:
    body = schema["paths"][path][method]["requestBody"]["content"]
    ref = body["application/json"]["schema"]["$ref"]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def _component(schema: dict, ref_holder: dict) -> dict:
    ref = ref_holder.get("$ref") or ref_holder["items"]["$ref"]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def _shape(serializer_class) -> tuple[set, set]:
    fields = serializer_class().fields
    return set(fields), {name for name, f in fields.items() if f.required}


@pytest.mark.parametrize("operation", BODIES, ids=[p for _, p in BODIES])
def test_request_body_fields_and_required_are_the_serializers(operation):
    body = _body(_schema(), *operation)
    names, required = _shape(BODIES[operation])
    assert set(body["properties"]) == names
    assert set(body.get("required", [])) == required


def test_nested_conversation_and_messages_are_the_serializers():
    schema = _schema()
    payload = _body(schema, "post", f"{W}/escalations/")
    conversation = _component(schema, payload["properties"]["conversation"])
    messages = _component(schema, conversation["properties"]["messages"])
    for component, serializer_class in [
        (conversation, EscalationConversationSerializer),
        (messages, EscalationMessageSerializer),
    ]:
        names, required = _shape(serializer_class)
        assert set(component["properties"]) == names
        assert set(component.get("required", [])) == required
    # Limits come from the same fields that enforce them.
    assert payload["properties"]["confidence"]["minimum"] == 0
    assert payload["properties"]["confidence"]["maximum"] == 100
    assert conversation["properties"]["messages"]["maxItems"] == 2_000
    assert "sent_at" not in messages.get("required", [])


def test_a_field_added_to_the_serializer_appears_in_the_schema(monkeypatch):
    declared = dict(EscalationPayloadSerializer._declared_fields)
    declared["locale"] = serializers.CharField(max_length=12)
    monkeypatch.setattr(EscalationPayloadSerializer, "_declared_fields", declared)
    body = _body(_schema(), "post", f"{W}/escalations/")
    assert body["properties"]["locale"] == {"type": "string", "maxLength": 12}
    assert "locale" in body["required"]
    # ... and the same serializer now validates it.
    refused = EscalationPayloadSerializer(data={"conversation": {"external_id": "c"}})
    assert not refused.is_valid()
    assert "locale" in refused.errors
