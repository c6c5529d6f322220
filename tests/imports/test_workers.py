"""Worker processes for the fast paths (tainan_rdec/importing/workers.py) where they cannot
start: a daemonic process (a Celery prefork child) may have no children."""

import multiprocessing

from tainan_rdec.importing.workers import Pool, WorkersUnavailable


def _start_pool_in(queue) -> None:
    try:
        Pool(2, "petitions.bulk.row_checker", (None,)).close()
        queue.put("started")
    except WorkersUnavailable:
        queue.put("unavailable")


def test_a_daemonic_process_is_told_at_once_that_it_cannot_have_workers():
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_start_pool_in, args=(queue,), daemon=True)
    child.start()
    answer = queue.get(timeout=60)
    child.join(timeout=60)
    assert answer == "unavailable"
