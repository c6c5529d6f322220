"""Test hooks the integration workers load through their settings, to hold a task at a known
point long enough for the test to kill the worker there.

Each hook does nothing unless the worker's environment asks for it: ``<NAME>_SECONDS`` (how long
to pause) and ``<NAME>_MARKER`` (a file written, with the worker's PID, when the pause starts,
so the test knows the task has reached that point).

* ``PausingFileSystemStorage`` pauses before storing a file (``TEST_PAUSE_SAVE``): a packet
  build is then BUILDING with its sections rendered, and its PDF not yet stored.
* ``PausingFileBackend`` pauses before handing messages to the "SMTP server"
  (``TEST_PAUSE_SEND``): a reminder is then claimed (SENDING) and not yet sent.
"""

import os
import time
from pathlib import Path

from django.core.files.storage import FileSystemStorage

from tests.mail_backends import FlakyFileBackend


def pause(name: str) -> None:
    seconds = float(os.environ.get(f"{name}_SECONDS") or 0)
    if not seconds:
        return
    marker = os.environ.get(f"{name}_MARKER")
    if marker:
        Path(marker).write_text(str(os.getpid()))
    time.sleep(seconds)


class PausingFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        pause("TEST_PAUSE_SAVE")
        return super()._save(name, content)


class PausingFileBackend(FlakyFileBackend):
    def send_messages(self, messages):
        pause("TEST_PAUSE_SEND")
        return super().send_messages(messages)
