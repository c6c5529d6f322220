"""A problem group in a real Chromium: a reviewer opens the list of problem groups (重複陳情歸併),
opens the largest, sees its cases first call first, takes one out (拆分) with the page's own
button and sees the group shrink and the case listed no more; the case stays alone when the
nightly regrouping runs again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from petitions.grouping import group_all
from petitions.models import Case, ProblemGroup
from petitions.rollups import rebuild_rollups
from tests.e2e.conftest import sign_in
from tests.petitions.builders import make_case, taipei

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pothole(agency_a):
    """Three calls about one pothole (the builders' address and words) a day apart, and two
    about a dark street: two groups, the pothole's the largest."""
    first = taipei(2024, 3, 4, 9, 0)
    calls = [make_case(agency_a, received_at=first + timedelta(days=i)) for i in range(3)]
    for i in range(2):
        make_case(
            agency_a,
            received_at=first + timedelta(hours=i),
            address="臺南市東區大學路1號",
            description="大學路1號前路燈不亮，夜間很暗",
        )
    group_all()
    rebuild_rollups()  # the builders write cases only: the rollups as the import leaves them
    return calls


def test_a_reviewer_opens_a_group_sees_its_cases_and_splits_one_out(
    page: Page, live_server, client, cast, pothole
):
    sign_in(page, live_server, client, cast["reviewer"])
    page.goto(f"{live_server.url}/petitions/")
    page.get_by_role("link", name="問題群組").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("問題群組")
    rows = page.locator("#group-table tbody tr")
    expect(rows).to_have_count(2)
    group = ProblemGroup.objects.get(first_case=pothole[0])
    expect(rows.first.locator("th a")).to_have_text(f"群組 {group.pk}")
    rows.first.locator("th a").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"問題群組 {group.pk}")
    cases = page.locator("#group-cases tbody tr")
    expect(cases).to_have_count(3)
    expect(cases.first.locator("th")).to_contain_text(pothole[0].case_number)
    expect(cases.first.locator("th")).to_contain_text("首件")

    taken = pothole[1].case_number
    page.get_by_role("button", name=f"將案件 {taken} 移出群組").click()

    expect(page.locator(".messages")).to_contain_text(
        f"案件 {taken} 已移出群組，重新歸併時維持分開。"
    )
    expect(cases).to_have_count(2)
    expect(page.locator("#group-cases")).not_to_contain_text(taken)
    assert Case.objects.get(case_number=taken).group_kept

    # The nightly regrouping keeps the reviewer's split (the grouping's own groups are made
    # again, under new numbers).
    group_all()
    assert Case.objects.get(case_number=taken).problem_group_id is None
    page.goto(f"{live_server.url}/petitions/groups/")
    expect(rows).to_have_count(2)
    expect(page.locator("#group-table tbody tr td.num")).to_have_text(["2", "2"])
