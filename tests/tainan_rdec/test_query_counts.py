"""Kernel pages run a fixed number of queries, however many agencies and users there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tainan_rdec.choices import Role
from tainan_rdec.models import Agency, User


def _queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["staff_a", "reviewer", "admin"])
@pytest.mark.parametrize("path", ["/", "/projects/", "/awards/"])
def test_page_query_count_does_not_grow_with_users(client_as, who, path):
    client = client_as(who)
    _queries(client, path)  # warm the per-process caches (working-day calendar)
    before = _queries(client, path)
    district = Agency.objects.filter(kind="district").first()
    User.objects.bulk_create(
        User(username=f"filer{i}", role=Role.BUREAU_STAFF, agency=district) for i in range(200)
    )
    assert _queries(client, path) == before
    assert before <= 8
