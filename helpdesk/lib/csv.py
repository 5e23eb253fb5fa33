"""CSV cells safe to open in a spreadsheet: formula escaping and its inverse.

Every CSV the product writes (ticket exports, report downloads) escapes its cells
here; the ticket import reads them back with `unescape_cell`.
"""

from typing import Any

# Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection;
# ASVS 1.2.10 adds NUL, which some spreadsheets skip before reading a formula).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")


def escape_cell(value: Any) -> Any:
    """The cell as text a spreadsheet shows but never evaluates.

    A text starting with a formula character gets a leading apostrophe; so does one
    that already starts with an apostrophe, so `unescape_cell` restores every value
    exactly (the import reads exported files back unchanged).
    """
    if isinstance(value, str) and value and value[0] in (*FORMULA_PREFIXES, "'"):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """The original text of an escaped cell."""
    return value[1:] if value.startswith("'") else value
