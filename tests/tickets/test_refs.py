import pytest

from tickets.refs import format_ref, parse_ref


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("42", 42),
        ("#42", 42),
        ("TKT-42", 42),
        ("tkt-0042", 42),
        ("#TKT-7", 7),
        (" 9 ", 9),
    ],
)
def test_accepted_forms(text, number):
    assert parse_ref(text, "TKT") == number


@pytest.mark.parametrize("text", ["TKT-", "abc", "-5", "", "0", "#", "GLX-4", "TKT-4x"])
def test_rejected_forms(text):
    with pytest.raises(ValueError):
        parse_ref(text, "TKT")


def test_format_ref():
    assert format_ref("TKT", 42) == "TKT-42"
