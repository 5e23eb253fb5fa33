"""GIN index for article full-text search and the pg_trgm extension for title
similarity (PostgreSQL only; SQLite matches words).

The indexed expression is exactly knowledge.selectors.ARTICLE_VECTOR, so the
planner uses it for `search_document @@ query`.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX_SQL = """
CREATE INDEX IF NOT EXISTS article_search_gin ON knowledge_article USING gin ((
    setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, COALESCE(body, '')), 'C')
))
"""
DROP_SQL = "DROP INDEX IF EXISTS article_search_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX_SQL)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0001_articles_and_insights"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_index, drop_index),
    ]
