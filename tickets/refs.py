"""Display references (`TKT-42`) and the parser that reads every accepted form."""

import re

_REF = re.compile(
    r"^#?(?:(?P<prefix>[A-Za-z][A-Za-z0-9]*)-)?(?P<number>\d{1,10})$", re.ASCII
)
MAX_NUMBER = 2**31 - 1  # Ticket.number is a 32-bit integer


def format_ref(prefix: str, number: int) -> str:
    return f"{prefix}-{number}"


def parse_ref(text: str, prefix: str) -> int:
    """The ticket number in `text`: `42`, `#42`, `TKT-42`, `#TKT-42`, `tkt-0042`.

    Raises ValueError for anything else, including another workspace's prefix.
    """
    match = _REF.match((text or "").strip())
    if match is None:
        raise ValueError(f"{text!r} is not a ticket reference (try 42 or {prefix}-42).")
    given_prefix = match.group("prefix")
    if given_prefix is not None and given_prefix.upper() != prefix.upper():
        raise ValueError(f"{text!r} does not use this workspace's prefix {prefix}.")
    number = int(match.group("number"))
    if not 1 <= number <= MAX_NUMBER:
        raise ValueError(
            f"{text!r} is not a ticket reference: numbers run from 1 to {MAX_NUMBER}."
        )
    return number
