"""Year addresses take the year the page shows: /evaluations/rubrics/114/phone/ is the 114年度
rubric. Links the portal writes use ROC years; a Gregorian year (2025) in an old link or
bookmark opens the same page. A number below 1911 is an ROC year (DOMAIN.md: ROC year =
Gregorian − 1911)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from tainan_rdec.converters import ROCYearConverter

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "year"), [("114", 2025), ("1", 1912), ("2025", 2025), ("1912", 1912)]
)
def test_an_address_year_is_read_as_roc_below_1911_and_gregorian_from_1912(text, year):
    assert ROCYearConverter().to_python(text) == year


@pytest.mark.parametrize("text", ["0", "1911", "0114", "10000", "１１４", "abc"])
def test_a_year_that_is_neither_is_not_an_address(text):
    with pytest.raises(ValueError):
        ROCYearConverter().to_python(text)


def test_links_are_written_with_the_roc_year():
    assert ROCYearConverter().to_url(2025) == "114"
    assert reverse("evaluations:rubric_detail", args=[2025, "phone"]) == (
        "/evaluations/rubrics/114/phone/"
    )
    assert reverse("evaluations:ranking", args=[2024]) == "/evaluations/ranking/113/"
    assert reverse("projects:evaluation_year", args=[2024]) == "/projects/evaluation/113/"


@pytest.fixture
def rubric_114():
    from evaluations import rubrics
    from evaluations.choices import RubricKind

    return rubrics.rubric_for(RubricKind.PHONE, 2025)


@pytest.mark.parametrize(
    "path", ["/evaluations/rubrics/114/phone/", "/evaluations/rubrics/2025/phone/"]
)
def test_the_rubric_opens_at_its_roc_year_and_at_an_old_gregorian_link(client_as, rubric_114, path):
    response = client_as("reviewer").get(path)
    assert response.status_code == 200
    assert response.context["rubric"] == rubric_114
    assert "114年度" in response.content.decode()


def test_an_unknown_year_is_404(client_as, rubric_114):
    assert client_as("reviewer").get("/evaluations/rubrics/113/phone/").status_code == 404
    assert client_as("reviewer").get("/evaluations/rubrics/0/phone/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/evaluations/ranking/113/",
        "/evaluations/ranking/2024/",
        "/evaluations/service-award/113/",
        "/evaluations/targets/114/",
        "/projects/evaluation/113/",
    ],
)
def test_every_year_page_answers_at_both_years_without_a_redirect(client_as, path):
    assert client_as("reviewer").get(path).status_code == 200


def test_the_overview_links_rubrics_by_roc_year(client_as, rubric_114):
    import time_machine

    with time_machine.travel(date(2025, 6, 1), tick=False):
        html = client_as("reviewer").get("/evaluations/").content.decode()
    assert 'href="/evaluations/rubrics/114/phone/"' in html
