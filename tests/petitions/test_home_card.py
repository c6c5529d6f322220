from datetime import date, timedelta

import time_machine

from petitions.choices import CaseStatus
from tests.petitions.builders import make_case


@time_machine.travel("2024-03-20 09:00 +0800", tick=False)
def test_bureau_home_counts_open_overdue_and_due_today_cases(client_as, cast):
    agency = cast["staff_a"].agency
    today = date(2024, 3, 20)
    make_case(agency, due_date=today - timedelta(days=2))
    make_case(agency, due_date=today)
    make_case(agency, due_date=today + timedelta(days=3))
    make_case(agency, due_date=today - timedelta(days=5), status=CaseStatus.CLOSED)
    make_case(cast["staff_b"].agency, due_date=today - timedelta(days=2))

    page = client_as("staff_a").get("/").content.decode()

    assert "陳情及1999待辦案件" in page
    assert "處理中案件：3 件" in page
    assert "已逾期：1 件" in page
    assert "今日到期：1 件" in page
    assert "/petitions/mine/" in page


def test_reviewers_do_not_get_the_bureau_case_card(client_as, cast):
    assert "陳情及1999待辦案件" not in client_as("reviewer").get("/").content.decode()
