"""Formula escaping against the OWASP CSV injection list, written here (not read
from helpdesk.lib.csv): a cell starting with = + - @ tab or carriage return is a
formula to a spreadsheet (OWASP "CSV Injection"); ASVS 5.0 requirement 1.2.10
adds NUL. A single quote in front makes it text."""

import pytest

from helpdesk.lib.csv import escape_cell, unescape_cell

OWASP_PREFIXES = ["=", "+", "-", "@", "\t", "\r", "\0"]


@pytest.mark.parametrize("prefix", OWASP_PREFIXES)
def test_every_owasp_formula_prefix_gets_an_apostrophe(prefix):
    assert escape_cell(prefix + "SUM(A1)") == "'" + prefix + "SUM(A1)"
    assert escape_cell(prefix) == "'" + prefix


def test_a_leading_apostrophe_is_doubled_so_the_import_gets_it_back():
    assert escape_cell("'quoted") == "''quoted"
    assert unescape_cell("''quoted") == "'quoted"


@pytest.mark.parametrize(
    "text", ["plain", "a=b", "x+1", "mail@example.com", " =1", "1-2", "é=1"]
)
def test_text_not_starting_with_a_formula_character_is_left_alone(text):
    assert escape_cell(text) == text
    assert unescape_cell(text) == text


@pytest.mark.parametrize("value", ["", None, 0, -5, 3.5, True])
def test_empty_and_non_text_cells_are_left_alone(value):
    assert escape_cell(value) is value


@pytest.mark.parametrize(
    ("escaped", "original"),
    [("'=1+2", "=1+2"), ("'@cmd", "@cmd"), ("'-", "-"), ("'", ""), ("''", "'")],
)
def test_unescape_drops_exactly_one_leading_apostrophe(escaped, original):
    assert unescape_cell(escaped) == original
