"""Test-only e-mail backends that fail like an SMTP server does, a set number of times.

``FlakyLocmemBackend`` (unit tests): set ``FlakyLocmemBackend.failures_left``; each send while it
is above zero raises ``smtplib.SMTPServerDisconnected`` and counts it down; then the message goes
to ``django.core.mail.outbox`` like the locmem backend.

``FlakyFileBackend`` (the integration worker): the first ``TEST_SMTP_FAILURES`` sends in the
process (an environment variable the worker fixture sets) raise; then it writes files like the
file-based backend.
"""

import os
import smtplib
import threading

from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class FlakyLocmemBackend(LocmemBackend):
    failures_left = 0
    attempts = 0

    def send_messages(self, messages):
        cls = type(self)
        cls.attempts += 1
        if cls.failures_left > 0:
            cls.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("test: connection unexpectedly closed")
        return super().send_messages(messages)


_lock = threading.Lock()
_failures_left = None


class FlakyFileBackend(FileBackend):
    def send_messages(self, messages):
        global _failures_left
        with _lock:
            if _failures_left is None:
                _failures_left = int(os.environ.get("TEST_SMTP_FAILURES", "0"))
            if _failures_left > 0:
                _failures_left -= 1
                raise smtplib.SMTPServerDisconnected("test: connection unexpectedly closed")
        return super().send_messages(messages)
