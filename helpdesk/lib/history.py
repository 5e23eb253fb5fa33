"""Field history (django-simple-history records) in one shape for every surface: the
agent UI's History tab, the API's `history` action and the admin's Changes column.

An entry is {"id", "at", "type" (+ ~ -), "type_label", "user", "reason",
"changes": [{"field", "old", "new"}]}; values are JSON-plain (ids for foreign keys,
strings for dates and other objects)."""

from typing import Any


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def record_changes(newer, older) -> list[dict[str, Any]]:
    """What changed from historical record `older` to `newer` (none without `older`)."""
    if older is None:
        return []
    delta = newer.diff_against(older)
    return [
        {"field": c.field, "old": _plain(c.old), "new": _plain(c.new)}
        for c in delta.changes
    ]


def history_entries(records: list, *, complete: bool = True) -> list[dict[str, Any]]:
    """Entries for `records` given newest first. With `complete=False` the last record
    is only the baseline of the one before it (a page of a longer history), not shown.
    """
    shown = records if complete else records[:-1]
    return [
        {
            "id": record.history_id,
            "at": record.history_date,
            "type": record.history_type,
            "type_label": record.get_history_type_display(),
            "user": record.history_user,
            "reason": record.history_change_reason,
            "changes": record_changes(
                record, records[index + 1] if index + 1 < len(records) else None
            ),
        }
        for index, record in enumerate(shown)
    ]
