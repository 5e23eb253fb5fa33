"""Real concurrency for tests: threads released together, one connection each."""

import threading

from django.db import connection


def run_together(count: int, work, *, timeout: float = 120) -> list:
    """`work(i)` on `count` threads released at once, each with its own database
    connection (closed when it is done); the results in thread order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(i):
        try:
            barrier.wait()
            results[i] = work(i)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results
