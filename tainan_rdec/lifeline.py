"""Helper processes that end with the process that started them, however it ends.

The portal starts processes of its own from a fork server (an import's row checkers,
``tainan_rdec.importing.workers``; a packet's render processes, ``projects.packets``). When the
starting process is killed (SIGKILL, the OOM killer) nothing ends them: every process the fork
server starts holds the write end of the server's "alive" pipe and of its siblings' task
queue, so they wait for work forever, with the fork server, the resource tracker and any
database sessions. (``PR_SET_PDEATHSIG`` would not do: their parent is the fork server.)

So the starter holds the only write end of a pipe, the *lifeline*, and gives each helper the
read end: ``follow`` in the helper reads it on a daemon thread, and the end of file the
starter's death gives ends the helper at once; the fork server and the resource tracker, whose
pipes nobody holds any more, end after it.

This module imports nothing but the standard library: a render process loads it without Django.
"""

from __future__ import annotations

import os
import threading


class Lifeline:
    """A pipe whose write end stays in this process: pass ``end`` to each helper (as an argument
    of its initializer, which calls ``follow``), and ``cut`` it once the helpers are done."""

    def __init__(self, context):
        # The write end is not inherited across exec, and helpers are forked from the fork
        # server, not from this process: it stays here alone.
        self.end, self._held = context.Pipe(duplex=False)

    def cut(self) -> None:
        self._held.close()
        self.end.close()


def follow(end) -> None:
    """End this process once the process holding the lifeline's write end has ended. A daemon
    thread blocked on the pipe: it costs nothing while the starter lives."""

    def wait() -> None:
        try:
            end.recv_bytes()  # nothing is ever sent: this returns at end of file
        except (EOFError, OSError):
            pass
        # Nothing to clean up: the starter's transaction went with its session, and this
        # process's own session ends with its socket.
        os._exit(1)

    threading.Thread(target=wait, name="lifeline", daemon=True).start()
