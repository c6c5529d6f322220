"""Pagination for lists over big tables.

Django's ``Paginator`` counts every matching row to number the pages; over the five-year case
table (1.5 million rows) that count alone costs more than the rest of the page. Nobody pages
through ten thousand rows: ``CappedPaginator`` counts at most ``cap`` + 1 rows (a ``LIMIT``ed
subquery the database stops early) and says "more than cap" beyond that, so the user narrows
the filters instead.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property

DEFAULT_CAP = 10_000


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, cap: int = DEFAULT_CAP, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        counted = self.object_list[: self.cap + 1].count()
        self.capped = counted > self.cap
        return min(counted, self.cap)

    capped = False
