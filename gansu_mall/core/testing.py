"""Helpers for the tests of every app (imported by tests only)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection
from django.utils import translation


def run_together(*calls: Callable[[], object], language: str | None = None) -> list[object]:
    """Start every call at the same moment in its own thread (its own database connection); return what
    each returned or raised, in order. Races on PostgreSQL are tested with real threads, not mocks."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            if language:
                with translation.override(language):
                    results[index] = call()
            else:
                results[index] = call()
        except Exception as exc:  # collected and asserted by the test  # noqa: BLE001
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
