"""Query-count pins for paths that handle many tickets at once."""

import re

from django.db import connection

# SQLite takes at most 999 parameters a statement, so Django splits a big bulk
# insert or update there into a few; PostgreSQL runs each as one.
SQLITE_SPLITS = 3


def assert_same_cost(one: int, many: int, pinned: int) -> None:
    """A batch of many tickets costs what a batch of one does (`pinned` queries)."""
    assert one == pinned, (one, many)
    if connection.vendor == "postgresql":
        assert many == one, (one, many)
    else:
        assert one <= many <= one + SQLITE_SPLITS, (one, many)


def assert_per_item_cost(one: int, many: int, count: int, pinned: tuple[int, int]):
    """A batch of `count` items costs what one does plus `per_item` queries for each
    further item (`pinned` is (one, per_item)): a fixed handful per item, whatever
    else the batch holds."""
    first, per_item = pinned
    assert one == first, (one, many)
    assert many - one == (count - 1) * per_item, (one, many, count)


def statements(captured) -> list[str]:
    """What each captured statement does, as "VERB table" (its first table), with
    transaction control (savepoints) left out: a test runs inside a transaction, so
    every atomic block there is a savepoint that a request would not have."""
    named = []
    for query in captured.captured_queries:
        sql = query["sql"]
        verb = sql.split(None, 1)[0].upper()
        if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
            continue
        table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql)
        named.append(f"{verb} {table.group(1) if table else '?'}")
    return named
