"""Working-day calendar (placeholder; filled in below)."""


def invalidate_cache():
    pass
