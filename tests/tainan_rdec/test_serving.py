"""A web worker's start (``tainan_rdec.serving.settle``, run by ``wsgi.py`` and ``asgi.py``):
every view loaded, and what was loaded kept out of the cycle collector's full collections."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import subprocess_env

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import gc, sys
import tainan_rdec.{module} as served
assert callable(served.application)
print(gc.get_freeze_count(), "projects.views.dashboard" in sys.modules)
"""


@pytest.mark.parametrize("module", ["wsgi", "asgi"])
def test_a_worker_loads_every_view_and_freezes_what_it_loaded(module):
    # A process of its own: freezing this one would change the rest of the run.
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=subprocess_env(),
    )
    assert result.returncode == 0, result.stderr
    frozen, views_loaded = result.stdout.split()
    # Django and the apps: well over 100,000 objects (a bare interpreter has none frozen).
    assert int(frozen) > 100_000 and views_loaded == "True"
