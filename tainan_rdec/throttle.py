"""A request budget per client (an address, an e-mail), counted in the cache: the one rate
limit of the portal — the public feeds' (``tainan_rdec.feeds``) and the password-reset e-mails'
(``tainan_rdec.views.PasswordResetView``).

Fixed windows: each address may make ``limit`` requests in each ``window``-second slot of the
clock, and the answer past it says how many seconds are left of the slot (``Retry-After``). A
client may spend two budgets across a slot's edge; for a read-only feed that is good enough,
and it costs one counter per client instead of a log of timestamps.

The counters are in the cache so every web process shares them. When the cache cannot count
(``tainan_rdec.caching.count`` gives ``None``) the request passes: the limit protects the feeds
and the inboxes, and a failing cache must not take the pages down with it (fail open).
"""

from __future__ import annotations

import hashlib
import math
import time

from tainan_rdec import caching


def seconds_to_wait(scope: str, client: str, *, limit: int, window: int) -> int:
    """Count one request of ``client`` in ``scope``: 0 while within ``limit`` per ``window``
    seconds, otherwise the whole seconds until the window ends (at least 1). A ``limit`` of 0
    turns the limit off."""
    if limit <= 0 or window <= 0:
        return 0
    now = time.time()
    slot = int(now // window)
    # Hashed: a key of bounded length and characters whatever the address header held, and
    # no client address in the cache's list of keys.
    client_key = hashlib.sha256(client.encode()).hexdigest()[:24]
    used = caching.count(f"throttle:{scope}:{client_key}:{slot}", timeout=window + 1)
    if used is None or used <= limit:
        return 0
    return max(1, math.ceil((slot + 1) * window - now))
