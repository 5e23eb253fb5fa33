"""AI tool calls inside a transcript: what the agent called, with what arguments,
what came back and whether it worked. Stored on the message (`Message.tool_call`)
as sent, within size and nesting limits; the conversation page shows arguments and
result as inert, indented JSON text and each call is a "Tool call" event on the
timeline of the tickets the conversation feeds (tickets.conversations).
"""

import json
import re
from typing import Any

from rest_framework import serializers

from tickets.intake.fields import JsonObject

MAX_TOOL_ARGUMENTS = 16_000  # characters of the arguments as JSON
MAX_TOOL_RESULT = 64_000  # characters of the result as JSON
MAX_TOOL_DEPTH = 20  # nesting of objects and lists in arguments and result
TOOL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,99}$")
TOOL_STATUSES = ("ok", "error")


def _as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _depth(value: Any) -> int:
    """How deeply objects and lists nest in `value` (a scalar is 0)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


class ToolCallSerializer(JsonObject):
    """One AI tool call: what the agent called, with what, and what came back.
    Arguments and result are stored as sent and shown as inert text."""

    name = serializers.RegexField(
        TOOL_NAME,
        error_messages={
            "invalid": "A tool name: letters, digits, _ . : - (at most 100), "
            "starting with a letter or _."
        },
    )
    arguments = serializers.JSONField(
        required=False, help_text="A JSON object, at most 16,000 characters as JSON."
    )
    result = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="Any JSON value, at most 64,000 characters as JSON.",
    )
    status = serializers.ChoiceField(
        TOOL_STATUSES,
        default="ok",
        error_messages={"invalid_choice": "Choose ok or error."},
    )

    def _sized(self, value: Any, limit: int) -> Any:
        if _depth(value) > MAX_TOOL_DEPTH:
            raise serializers.ValidationError(
                f"Nested deeper than {MAX_TOOL_DEPTH} levels."
            )
        size = len(_as_json(value))
        if size > limit:
            raise serializers.ValidationError(
                f"{size:,} characters as JSON; the limit is {limit:,}."
            )
        return value

    def validate_arguments(self, value: Any) -> dict:
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        return self._sized(value, MAX_TOOL_ARGUMENTS)

    def validate_result(self, value: Any) -> Any:
        return self._sized(value, MAX_TOOL_RESULT)

    def validate(self, attrs) -> dict:
        return {
            "name": attrs["name"],
            "arguments": attrs.get("arguments", {}),
            "result": attrs.get("result"),
            "status": attrs["status"],
        }


def message_size(item: Any) -> int:
    """The characters a raw message adds to a transcript (body and tool call)."""
    if not isinstance(item, dict):
        return 0
    size = len(item["body"]) if isinstance(item.get("body"), str) else 0
    if isinstance(item.get("tool_call"), dict):
        size += len(_as_json(item["tool_call"]))
    return size
