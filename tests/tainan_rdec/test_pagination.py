"""The capped paginator counts no further than its cap."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tainan_rdec.models import Agency
from tainan_rdec.pagination import CappedPaginator

pytestmark = pytest.mark.django_db


def test_beyond_the_cap_it_says_so_and_pages_stop_there(city_agencies):
    agencies = Agency.objects.order_by("code")
    assert agencies.count() > 12
    paginator = CappedPaginator(agencies, 5, cap=12)
    with CaptureQueriesContext(connection) as ctx:
        assert paginator.count == 12
    assert "LIMIT 13" in ctx.captured_queries[0]["sql"]
    assert paginator.capped
    assert paginator.num_pages == 3
    assert [a.code for a in paginator.page(3)] == [a.code for a in agencies[10:12]]


def test_under_the_cap_it_is_an_ordinary_count(city_agencies):
    few = Agency.objects.filter(code__startswith="B0").order_by("code")
    paginator = CappedPaginator(few, 5, cap=100)
    assert paginator.count == few.count()
    assert not paginator.capped
