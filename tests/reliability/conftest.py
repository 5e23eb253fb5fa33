"""Shared by the reliability acceptance tests (docs/reliability.md)."""

import pytest
from django.db import connection

# Locking, SKIP LOCKED and pg_terminate_backend are PostgreSQL behaviour; CI runs
# these on PostgreSQL (SQLite is covered by tests/tickets/test_numbering.py's R2).
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="proven on PostgreSQL"
)
