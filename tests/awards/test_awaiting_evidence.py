"""Historical awards imported without their evidence (awards.resources) are marked as awaiting
it: on the award's page, in the list, and through the list's filter, until the agency adds it
on the edit page, whose form requires it."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from awards.choices import AwardState
from awards.models import Award, current_roc_year, is_historical_year
from tests.awards.factories import form_data, make_award

pytestmark = pytest.mark.django_db


@pytest.fixture
def awards(agency_a):
    old = current_roc_year() - 3
    return {
        # As an import leaves them: registered (待確認), one without its evidence.
        "awaiting": make_award(
            agency_a, roc_year=old, name="歷史獎項", evidence_url="", state=AwardState.REGISTERED
        ),
        "attached": make_award(
            agency_a,
            roc_year=old,
            name="有佐證",
            evidence_url="https://www.ndc.gov.tw/",
            state=AwardState.REGISTERED,
        ),
    }


def test_a_year_is_history_once_the_next_year_is_over_too():
    this_year = current_roc_year()
    assert is_historical_year(this_year - 2)
    assert not is_historical_year(this_year - 1)  # its awards may be presented this year
    assert not is_historical_year(this_year)
    assert not is_historical_year(None)


def test_the_rule_follows_the_calendar(settings):
    with mock.patch("awards.models.current_roc_year", return_value=114):
        assert is_historical_year(112) and not is_historical_year(113)


def test_an_award_awaiting_its_evidence_says_so_on_its_page(client_as, awards):
    page = client_as("staff_a").get(reverse("awards:detail", args=[awards["awaiting"].pk]))
    html = page.content.decode()
    assert "待補佐證" in html
    assert "請按「修改」上傳佐證檔案或填寫佐證連結。" in html

    other = client_as("staff_a").get(reverse("awards:detail", args=[awards["attached"].pk]))
    assert "待補佐證" not in other.content.decode()


def test_the_list_marks_and_filters_the_awards_awaiting_their_evidence(client_as, awards):
    client = client_as("reviewer")
    listed = client.get(reverse("awards:index")).content.decode()
    assert listed.count("award-state-awaiting-evidence") == 1

    for value, expected in (("awaiting", {"歷史獎項"}), ("attached", {"有佐證"})):
        response = client.get(reverse("awards:index"), {"evidence": value})
        assert {a.name for a in response.context["page"].object_list} == expected


def test_adding_the_evidence_on_the_edit_page_ends_the_wait(client_as, awards):
    award = awards["awaiting"]
    data = form_data(
        roc_year=str(award.roc_year),
        award_date=f"{award.roc_year}.6.1",
        name=award.name,
        evidence_url="https://www.ndc.gov.tw/award",
    )
    response = client_as("staff_a").post(reverse("awards:edit", args=[award.pk]), data)

    assert response.status_code == 302
    assert not Award.objects.awaiting_evidence().exists()


def test_the_edit_page_still_asks_for_evidence(client_as, awards):
    award = awards["awaiting"]
    data = form_data(
        roc_year=str(award.roc_year), award_date=f"{award.roc_year}.6.1", evidence_url=""
    )
    response = client_as("staff_a").post(reverse("awards:edit", args=[award.pk]), data)

    assert response.status_code == 400  # the form again, with its message
    assert "請上傳佐證檔案或填寫佐證連結（至少擇一）。" in response.content.decode()
    assert Award.objects.awaiting_evidence().get() == award
