"""Trigram indexes for finding requesters by fragments of their name or e-mail
(PostgreSQL only; SQLite scans its few contacts).

The ticket search matches contacts with Django's `icontains`, which PostgreSQL runs as
`UPPER(column::text) LIKE UPPER('%fragment%')`: the indexes are on exactly that
expression, so fragments of three characters or more are found through them.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "contact_name_trgm": "name",
    "contact_email_trgm": "email",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index, column in INDEXES.items():
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {index} ON helpdesk_contact"
                f" USING gin ((UPPER({column}::text)) gin_trgm_ops)"
            )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0008_invitation"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
