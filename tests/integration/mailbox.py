"""What the integration workers' file e-mail backend wrote, and waiting on a worker."""

import email
import email.policy
import time


def sent_messages(mail_dir):
    """Every message the file backend wrote: one file per connection, each message followed by
    a line of 79 dashes."""
    messages = []
    for path in sorted(mail_dir.iterdir()):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk, policy=email.policy.default))
    return messages


def wait_for(condition, *, timeout, log_path, what):
    """Poll ``condition()`` until it is true; on timeout print the workers' log and fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    print(log_path.read_text() if log_path.exists() else "(no worker log)")
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
