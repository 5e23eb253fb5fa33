"""Ticket numbers under concurrent creation: gap-free, duplicate-free, error-free."""

import threading
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection, transaction

from tests import figures, sqlite_probe
from tests.factories import WorkspaceFactory, make_ticket
from tickets.models import Ticket

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locking is proven on PostgreSQL"
)


class _RollBack(Exception):
    pass


def _create_concurrently(jobs, threads):
    """Run `jobs` (workspace, roll_back) on `threads` threads, one connection each."""
    barrier = threading.Barrier(threads)
    errors, lock = [], threading.Lock()
    queue = list(jobs)

    def worker():
        barrier.wait()
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    workspace, roll_back = queue.pop()
                try:
                    with transaction.atomic():
                        make_ticket(workspace, None, source="api")
                        if roll_back:
                            raise _RollBack
                except _RollBack:
                    pass
                except Exception as exc:  # noqa: BLE001 - every error is a finding
                    with lock:
                        errors.append(repr(exc))
        finally:
            connection.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return errors


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_200_concurrent_creations_with_rollbacks_leave_no_gap():
    workspace = WorkspaceFactory()
    jobs = [(workspace, index % 10 == 0) for index in range(200)]
    errors = _create_concurrently(jobs, threads=40)
    numbers = sorted(
        Ticket.objects.filter(workspace=workspace).values_list("number", flat=True)
    )
    figures.report(
        "R1",
        {"committed": 180, "duplicates": 0, "errors": 0},
        committed=len(numbers),
        duplicates=len(numbers) - len(set(numbers)),
        errors=len(errors),
    )
    assert errors == []
    assert numbers == list(range(1, 181))


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_four_workspaces_in_parallel_each_get_their_own_sequence():
    workspaces = [WorkspaceFactory() for _ in range(4)]
    jobs = [(ws, False) for ws in workspaces for _ in range(50)]
    errors = _create_concurrently(jobs, threads=40)
    assert errors == []
    for ws in workspaces:
        numbers = Counter(
            Ticket.objects.filter(workspace=ws).values_list("number", flat=True)
        )
        assert sorted(numbers) == list(range(1, 51))
        assert max(numbers.values()) == 1


def test_sqlite_with_50_threads_never_says_database_is_locked(tmp_path: Path):
    """The embedded default: WAL, IMMEDIATE transactions and a busy timeout."""
    probe = Path(__file__).with_name("sqlite_numbering_probe.py")
    report = sqlite_probe.run(probe, tmp_path, threads=50)
    figures.report(
        "R2",
        {"committed": 50, "lock_errors": 0},
        committed=report["committed"],
        lock_errors=len(report["errors"]),
    )
    assert report["errors"] == []
    assert report["numbers"] == list(range(1, 51))
