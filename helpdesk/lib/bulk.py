"""Many rows, each with its own values, updated in one statement.

Django's `bulk_update` builds a CASE WHEN per row and field: for a thousand rows
it spends seconds of Python building the expression tree (measured: 8 of the 11 s
of a 300-change pull). On PostgreSQL the same change is one
`UPDATE ... FROM unnest(arrays)`, whose parameters are one array per field.

`insert_if_new` is the other half of an upsert: one INSERT that yields to an
existing row instead of failing (and needing a savepoint to recover).
"""

from django.db import connections, router


def bulk_set(objs: list, fields: list[str] | tuple[str, ...]) -> None:
    """Write `fields` of every object in `objs` (saved instances of one model),
    one statement on PostgreSQL, Django's bulk_update elsewhere. Plain columns
    only (no JSON or array fields)."""
    if not objs:
        return
    model = type(objs[0])
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, fields)
        return
    # One value per row: PostgreSQL would pick any of a repeated row's values.
    objs = list({obj.pk: obj for obj in objs}.values())
    meta = model._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    quote = connection.ops.quote_name
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in columns)
    names = ", ".join(quote(field.column) for field in columns)
    sets = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in columns[1:])
    values = [
        [
            field.get_db_prep_save(getattr(obj, field.attname), connection)
            for obj in objs
        ]
        for field in columns
    ]
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {sets} FROM unnest({arrays}) AS v({names})"  # noqa: S608
            f" WHERE {table}.{pk} = v.{pk}",
            values,
        )


def insert_if_new(obj) -> bool:
    """INSERT the unsaved `obj` unless that would break a unique constraint or index
    (`ON CONFLICT DO NOTHING`: one statement, no savepoint, and a concurrent insert
    of the same key is waited for). True, and `obj.pk` set, when it was inserted.
    Plain rows only: no signals, no history."""
    model = type(obj)
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
    quote = connection.ops.quote_name
    values = [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)}"  # noqa: S608
            f" ({', '.join(quote(f.column) for f in fields)})"
            f" VALUES ({', '.join(['%s'] * len(fields))})"
            f" ON CONFLICT DO NOTHING RETURNING {quote(meta.pk.column)}",
            values,
        )
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return True
