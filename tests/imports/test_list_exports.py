"""The project list and the case list download as xlsx or csv: the rows the user sees, with the
page's filters, and never a petitioner's personal data."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.imports import builders
from tests.imports.conftest import carries, read_csv, read_xlsx
from tests.petitions.builders import PETITIONER_EMAIL, PETITIONER_NAME, PETITIONER_PHONE, make_case

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def projects(agency_a, agency_b):
    # P113-0001: agency A hosts, B co-hosts; F113-0002: agency B alone (forward-looking).
    return builders.make_projects(agency_a, agency_b)


def exported_numbers(response, fmt="csv") -> list[str]:
    data = body(response)
    rows = read_csv(data) if fmt == "csv" else [list(r) for r in read_xlsx(data)]
    return [row[0] for row in rows[1:]]


def test_a_bureau_downloads_only_the_projects_it_sees(client_as, projects):
    response = client_as("staff_a").get(reverse("projects:index"), {"format": "xlsx"})
    assert response["Content-Disposition"].startswith("attachment")
    assert exported_numbers(response, "xlsx") == ["P113-0001"]

    response = client_as("staff_b").get(reverse("projects:index"), {"format": "csv"})
    assert exported_numbers(response) == ["F113-0002", "P113-0001"]  # host and co-host


def test_the_project_download_keeps_the_lists_filters(client_as, projects):
    response = client_as("reviewer").get(
        reverse("projects:index"), {"kind": "forward", "format": "csv"}
    )
    assert exported_numbers(response) == ["F113-0002"]


def test_the_project_list_links_its_downloads_with_its_filters(client_as, projects):
    page = client_as("reviewer").get(reverse("projects:index"), {"kind": "major"})
    html = page.content.decode()
    assert 'href="?kind=major&amp;format=xlsx"' in html
    assert 'href="?kind=major&amp;format=csv"' in html


def test_a_bureau_downloads_only_its_cases_without_personal_data(client_as, agency_a, agency_b):
    own = make_case(agency_a)
    make_case(agency_b)
    for fmt in ("csv", "xlsx"):
        response = client_as("staff_a").get(reverse("petitions:index"), {"format": fmt})
        data = body(response)
        # Read in the cells (tests/imports/test_rules.py shows the check sees a name there).
        assert carries(data, fmt, own.description)
        for secret in (PETITIONER_NAME, PETITIONER_PHONE, PETITIONER_EMAIL):
            assert not carries(data, fmt, secret), (fmt, secret)
        rows = read_csv(data) if fmt == "csv" else [list(r) for r in read_xlsx(data)]
        assert [r[0] for r in rows[1:]] == [own.case_number]


def test_the_case_download_keeps_the_lists_filters(client_as, agency_a):
    from petitions.choices import CaseStatus

    make_case(agency_a, status=CaseStatus.CLOSED)
    open_case = make_case(agency_a)
    response = client_as("reviewer").get(
        reverse("petitions:index"), {"status": "open", "format": "csv"}
    )
    assert exported_numbers(response) == [open_case.case_number]


def test_a_list_too_long_to_download_says_so(client_as, settings, agency_a):
    settings.EXPORT_MAX_ROWS = 1
    make_case(agency_a)
    make_case(agency_a)
    client = client_as("reviewer")

    response = client.get(reverse("petitions:index"), {"channel": "hotline", "format": "xlsx"})

    assert response.status_code == 302
    assert response["Location"] == reverse("petitions:index") + "?channel=hotline"
    page = client.get(response["Location"]).content.decode()
    assert "符合條件的資料有 2 筆，超過單次匯出上限 1 筆" in page


def test_downloads_need_a_login(client_as, projects):
    response = client_as("anonymous").get(reverse("projects:index"), {"format": "csv"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
