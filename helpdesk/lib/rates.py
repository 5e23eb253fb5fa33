"""Rates written as "<requests>/<period>" ("600/min"); no Django imports, so the
settings module can check them at start-up."""

import re

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE = re.compile(r"^\s*(\d+)\s*/\s*(s|sec|second|m|min|minute|h|hour|d|day)\s*$")


def parse_rate(rate: str) -> tuple[int, int]:
    """ "600/min" -> (600 requests, 60 seconds). ValueError for anything else."""
    match = RATE.match(rate)
    if not match or int(match.group(1)) < 1:
        raise ValueError(
            f"expected <requests>/<s|min|hour|day> such as 600/min, got {rate!r}"
        )
    return int(match.group(1)), PERIODS[match.group(2)[0]]
