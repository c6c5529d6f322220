"""Benchmark: the routing model (派工建議, petitions/routing.py) on the five-year data set.

    .venv/bin/python -m tests.perf bench_routing
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tainan_rdec \\
        .venv/bin/python -m tests.perf bench_routing

It trains one version on the newest ``ROUTING_TRAINING_CASES`` closed cases of the kept
five-year database (``tests.perf.fiveyear``; generated data: the figures say how the model does
on the generator's words, not on the city's) into a temporary folder, and reports what
``routing.train`` measured: top-1 and top-3 accuracy on the held-out last month, the category
guess, training time and the peak memory of this process, and the latency of one suggestion
(target: p95 under 50 ms).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

FIVE_YEAR_DATA = True
LATENCY_TARGET_MS = 50


def main() -> list:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tainan_rdec.settings")
    import django

    django.setup()
    from django.conf import settings

    from petitions import routing
    from tests.perf import fiveyear
    from tests.perf.table import Figure

    with fiveyear.database(), tempfile.TemporaryDirectory() as folder:
        data = fiveyear.ensure_dataset()
        settings.ROUTING_MODEL_DIR = folder
        got = routing.train()
    note = (
        f"{got.training_cases:,} cases learned, {got.held_out_cases:,} held out "
        f"({got.held_out_month}); generated data, {data.scale.cases:,} cases in all"
    )
    print(
        f"routing v{got.version}: top-1 {got.top1:.3f}, top-3 {got.top3:.3f}, category "
        f"{got.category_top1:.3f}; {got.training_seconds:.1f} s, {got.peak_memory_mb:.0f} MB; "
        f"suggestion p50 {got.latency_p50_ms:.2f} ms, p95 {got.latency_p95_ms:.2f} ms"
    )
    return [
        Figure(
            "routing", "top-1 accuracy, held-out month", value=got.top1 * 100, unit="%", note=note
        ),
        Figure("routing", "top-3 accuracy, held-out month", value=got.top3 * 100, unit="%"),
        Figure(
            "routing", "category guessed from the text", value=got.category_top1 * 100, unit="%"
        ),
        Figure("routing", "training time", value=got.training_seconds, unit="s"),
        Figure("routing", "peak memory while training", value=got.peak_memory_mb, unit="MB"),
        Figure(
            "routing",
            "one suggestion",
            p50_ms=got.latency_p50_ms,
            p95_ms=got.latency_p95_ms,
            target=LATENCY_TARGET_MS,
        ),
    ]


if __name__ == "__main__":
    main()
