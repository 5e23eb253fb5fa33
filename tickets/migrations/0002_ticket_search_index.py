"""GIN index for ticket full-text search (PostgreSQL only; SQLite searches by words).

The indexed expression is exactly tickets.selectors.SEARCH_VECTOR, so the planner
uses it for `search_document @@ query`.
"""

from django.db import migrations

INDEX_SQL = """
CREATE INDEX IF NOT EXISTS ticket_search_gin ON tickets_ticket USING gin ((
    (setweight(to_tsvector('english'::regconfig, COALESCE(subject, '')), 'A')
     || setweight(to_tsvector('english'::regconfig, COALESCE(question, '')), 'B'))
    || setweight(to_tsvector('english'::regconfig,
         COALESCE(content, '') || ' ' || COALESCE(answer, '')), 'C')
))
"""
DROP_SQL = "DROP INDEX IF EXISTS ticket_search_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX_SQL)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
