"""SQL spellings for the few statements written by hand (the SLA sweep's batch
statements, the PostgreSQL CSV export), where PostgreSQL and SQLite differ."""


def isoformat_sql(column: str, vendor: str) -> str:
    """A timestamp column as text, the way Python's `isoformat()` writes the aware
    UTC datetime Django reads: `2024-03-04T09:00:00+00:00`, with `.ffffff` only when
    the microseconds are not zero. NULL stays NULL."""
    if vendor == "postgresql":
        utc = f"({column} AT TIME ZONE 'UTC')"
        micro = (
            f"CASE to_char({utc}, 'US') WHEN '000000' THEN '' "
            f"ELSE to_char({utc}, '.US') END"
        )
        return f"""to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS') || {micro} || '+00:00'"""
    # SQLite holds the UTC value as str() of the naive datetime: the same, with a
    # space for the T and no offset.
    return f"replace({column}, ' ', 'T') || '+00:00'"
