"""Shared parsing of untrusted input, used at every boundary (API parser, forms,
filters, headers, admin, import, intake, webhooks) so that no input reaches a
layer that answers it with a server error:

- text: NUL characters and lone surrogates cannot be stored by PostgreSQL or
  encoded as UTF-8; `clean_text` strips them (and counts them) where the text must
  be kept, forms and serializers refuse them with a field error elsewhere;
- integers: ASCII digits only (a superscript or circled digit passes
  str.isdigit() but not int(); an Arabic-Indic digit passes int() but is not an
  id) and within the database's range;
- JSON: nesting bounded (json.loads recurses, 1,000 levels raise RecursionError).
"""

import json
import re
from itertools import accumulate
from typing import Any

MAX_ID = 2**63 - 1  # the largest primary key any supported database stores
MAX_INT32 = 2**31 - 1
MAX_JSON_DEPTH = 64

# NUL, and a surrogate code point (only ever "lone" in a Python str).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]")


def clean_text(value: str) -> tuple[str, int]:
    """`value` without NULs and lone surrogates, and how many were removed."""
    return UNSTORABLE.subn("", value)


def strip_text(value: str) -> str:
    return UNSTORABLE.sub("", value)


def has_unstorable(value: str) -> bool:
    return UNSTORABLE.search(value) is not None


def parse_int(
    value: Any, *, minimum: int | None = None, maximum: int = MAX_ID
) -> int | None:
    """`value` as an integer written in ASCII digits (an optional leading "-"),
    within [minimum, maximum], else None."""
    text = str(value).strip() if value is not None else ""
    digits = text.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 20:
        return None
    number = int(text)
    if (minimum is not None and number < minimum) or number > maximum:
        return None
    return number


def as_id(value: Any) -> int | None:
    """`value` as a row id: ASCII digits, 1 to the database's largest key."""
    return parse_int(value, minimum=1)


class JSONTooDeep(ValueError):
    """JSON nested deeper than MAX_JSON_DEPTH."""


def json_depth(text: str) -> int:
    """How deep the JSON text nests its arrays and objects (brackets inside
    strings do not count); computed without recursion."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    steps = (1 if char in "[{" else -1 for char in brackets)
    return max(accumulate(steps), default=0)


def loads_json(data: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """json.loads that refuses (JSONTooDeep, a ValueError) nesting past
    `max_depth` before parsing. Invalid UTF-8 is a ValueError too."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    if json_depth(text) > max_depth:
        raise JSONTooDeep(f"JSON nested deeper than {max_depth} levels.")
    return json.loads(text)
