"""The ticket's full-text document as a stored column with its GIN index
(PostgreSQL only; SQLite searches by substrings).

`search_document` holds exactly tickets.selectors.SEARCH_VECTOR (the expression of
`ticket_search_gin`, migration 0002, which the knowledge base's similar tickets still
rank with). Stored, a search reading tickets newest first checks each row in about a
microsecond instead of re-parsing its text (measured at 1M tickets: 0.5 ms against
100 ms for a page of two common words; docs/search.md).

Adding a stored column rewrites the table: at 1M tickets this takes minutes, with the
table locked.
"""

from django.db import migrations

DOCUMENT = """
    (setweight(to_tsvector('english'::regconfig, COALESCE(subject, '')), 'A')
     || setweight(to_tsvector('english'::regconfig, COALESCE(question, '')), 'B'))
    || setweight(to_tsvector('english'::regconfig,
         COALESCE(content, '') || ' ' || COALESCE(answer, '')), 'C')
"""
FORWARD = [
    "ALTER TABLE tickets_ticket ADD COLUMN IF NOT EXISTS search_document tsvector"
    f" GENERATED ALWAYS AS ({DOCUMENT}) STORED",
    "CREATE INDEX IF NOT EXISTS ticket_search_document ON tickets_ticket"
    " USING gin (search_document)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS ticket_search_document",
    "ALTER TABLE tickets_ticket DROP COLUMN IF EXISTS search_document",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0015_conversation_end"),
    ]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
