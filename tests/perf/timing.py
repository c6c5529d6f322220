"""Timing pages and calls in process, as the page benchmarks do it.

``measure(func)`` calls ``func`` once to warm up, once more counting its queries, then RUNS
times on the clock: (samples in seconds, queries). Server time is Django's whole handling of
the request through the test ``Client`` (middleware, view, template), without a network or a
WSGI server in front.

``counting_queries()`` keeps one connection and its query log across requests: Django clears
the log when a request starts (``reset_queries``), which would leave a capture around a request
empty."""

from __future__ import annotations

import time
from contextlib import contextmanager

RUNS = 20


@contextmanager
def counting_queries():
    from django.core import signals
    from django.db import reset_queries

    signals.request_started.disconnect(reset_queries)
    try:
        yield
    finally:
        signals.request_started.connect(reset_queries)


def count_queries(func) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()  # a full log (9,000 entries) would count nothing
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)


def measure(func, runs: int = RUNS, *, before=None) -> tuple[list[float], int]:
    """(durations of ``runs`` calls in seconds, queries of one call) after a warm-up call.
    ``before`` (untimed) runs before each call, e.g. to undo what the call wrote."""
    if before:
        before()
    func()  # warm up: first-use caches, compiled templates
    if before:
        before()
    queries = count_queries(func)
    samples = []
    for _ in range(runs):
        if before:
            before()
        began = time.perf_counter()
        func()
        samples.append(time.perf_counter() - began)
    return samples, queries


def page(client, path: str):
    """A call that GETs ``path`` and insists on 200: a redirect or a 403 measures nothing."""

    def get():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response

    return get
