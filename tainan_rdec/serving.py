"""What a web server's worker process does once, at start, before its first request
(``wsgi.py``, ``asgi.py``; the page benchmarks do the same)."""

from __future__ import annotations

import gc

from django.urls import get_resolver


def settle() -> None:
    """Load every view now (the URLconf imports them) and put what the worker has loaded out
    of the cycle collector's sight (``gc.freeze``).

    A worker keeps what it loads at start to its end: Django, the apps, their views, some
    230,000 objects. Python's collector walked them all in each full collection, every few
    requests: a pause of 100–125 ms in the request that set it off, the p95 of the slower pages
    (``tests/perf/bench_pages``: the projects dashboard's p50 95 ms, its p95 220 ms). Frozen,
    they are never walked again; what requests make is collected as before."""
    get_resolver().url_patterns  # noqa: B018 (the URLconf's modules imported, views with them)
    gc.collect()  # what is garbage now is not kept forever
    gc.freeze()
