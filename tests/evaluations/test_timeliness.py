"""Petition timeliness, followed through (陳情案件處理時效統計並改進), on the real path: cases
registered and closed through the petitions services (so the rollups follow), the monthly task
raising an improvement item for the agency above the flag, the agency's plan and the reviewer's
decision on the item's page, the results, and the closure by the figures — the same items,
pages, urging and permission rules as an audit's improvement items."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from evaluations import services, timeliness
from evaluations.choices import ImprovementSource, ImprovementStatus, ReminderKind
from evaluations.models import ImprovementItem
from evaluations.reminders import urge_overdue
from evaluations.tasks import follow_up_petition_timeliness, send_improvement_reminders
from petitions.models import PetitionSettings
from tainan_rdec.models import Reminder
from tainan_rdec.workdays import TAIPEI
from tests.evaluations.conftest import make_petition

pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return datetime(*args, tzinfo=TAIPEI)


def close_month(agency, year, month, *, on_time: int, late: int = 0):
    """Cases of 路面坑洞 (3 working days) received on the first Monday-ish working day of the
    month and closed the next day (on time), or a fortnight later (late)."""
    received = {3: 4, 4: 8, 6: 3, 7: 1, 8: 5, 9: 2}[month]
    for _ in range(on_time):
        make_petition(
            agency, at(year, month, received, 9), closed=at(year, month, received + 1, 10)
        )
    for _ in range(late):
        make_petition(
            agency, at(year, month, received, 9), closed=at(year, month, received + 16, 10)
        )


@pytest.fixture
def rules(db):
    """Five closed cases are enough to be ranked here (the default 30 makes big fixtures); the
    flag and the recovery period stay the defaults: 3%, three months."""
    PetitionSettings.get()
    PetitionSettings.objects.filter(pk=1).update(min_cases_for_ranking=5)
    return PetitionSettings.get()


@pytest.fixture
def march(rules, agency_a, agency_b):
    """工務局 closes 9 of 10 March cases on time (10% overdue); 水利局 all 10 (0%)."""
    close_month(agency_a, 2024, 3, on_time=9, late=1)
    close_month(agency_b, 2024, 3, on_time=10)


def run_month(day: datetime, month: str | None = None) -> dict:
    with time_machine.travel(day, tick=False):
        return follow_up_petition_timeliness.delay(month).get()


@pytest.fixture
def item(march, cast, agency_a):
    run_month(at(2024, 4, 1, 6))
    return ImprovementItem.objects.get(agency=agency_a)


def test_an_agency_above_the_flag_for_a_month_gets_an_item_waiting_for_its_plan(
    march, cast, agency_a, agency_b
):
    result = run_month(at(2024, 4, 1, 6))

    item = ImprovementItem.objects.get()
    assert result == {"month": "2024-03-01", "raised": [item.pk], "closed": []}
    assert (item.agency, item.source, item.status) == (
        agency_a,
        ImprovementSource.TIMELINESS,
        ImprovementStatus.PLAN_DUE,
    )
    assert (item.period, item.overdue_rate) == (date(2024, 3, 1), Decimal("10.0"))
    assert item.due_date == date(2024, 5, 1)  # 30 days to file the plan
    assert item.description == (
        "113年3月陳情案件逾期率10%（結案10件，逾期結案1件），高於3%，應提改善計畫。"
    )
    # The agency's staff and manager are told at once, through the reminder log.
    told = Reminder.objects.filter(kind=ReminderKind.IMPROVEMENT_RAISED)
    assert sorted(told.values_list("recipient__username", flat=True)) == [
        "manager_a",
        "staff_a",
    ]
    assert "提出改善計畫" in told.get(recipient=cast["staff_a"]).subject


def test_the_follow_through_runs_again_or_for_a_past_month_without_a_second_item(march, cast):
    run_month(at(2024, 4, 1, 6))

    again = run_month(at(2024, 4, 1, 7))
    past = run_month(at(2024, 5, 2, 6), "2024-03-20")

    assert again["raised"] == past["raised"] == []
    assert ImprovementItem.objects.count() == 1
    assert Reminder.objects.filter(kind=ReminderKind.IMPROVEMENT_RAISED).count() == 2


def test_an_agency_below_the_ranking_minimum_is_not_followed(rules, agency_a):
    PetitionSettings.objects.filter(pk=1).update(min_cases_for_ranking=30)
    close_month(agency_a, 2024, 3, on_time=5, late=5)  # 50% overdue, but 10 closed cases

    assert run_month(at(2024, 4, 1, 6))["raised"] == []
    assert not ImprovementItem.objects.exists()


def test_a_month_not_over_is_refused(march):
    with time_machine.travel(at(2024, 3, 31, 12), tick=False):
        with pytest.raises(ValueError, match="not over"):
            timeliness.follow_up(date(2024, 3, 1))


def test_overdue_month_to_item_to_plan_to_acceptance_to_results_to_closure(
    client_as, item, agency_a
):
    url = reverse("evaluations:improvement_detail", args=[item.pk])
    staff, reviewer = client_as("staff_a"), None
    with time_machine.travel(at(2024, 4, 10, 10), tick=False):
        # The agency's plan: every part is required, the errors are in Chinese on their field.
        page = staff.get(url).text
        assert "提出改善計畫" in page and "113年3月" in page
        refused = staff.post(
            url, {"action": "plan", "causes": " ", "measures": "", "target_date": ""}
        )
        assert refused.status_code == 400
        for message in ("請填寫原因分析。", "請填寫改善措施。", "請填寫預定完成日期。"):
            assert message in refused.text
        early = staff.post(
            url,
            {
                "action": "plan",
                "causes": "人力不足",
                "measures": "增派人力",
                "target_date": "113.3.31",
            },
        )
        assert "預定完成日期不可早於列管日期。" in early.text
        item.refresh_from_db()
        assert item.status == ImprovementStatus.PLAN_DUE
        plan = {
            "action": "plan",
            "causes": "3月路面坑洞案件量增加，養護人力不足。",
            "measures": "增派養護班、開口契約擴充。",
            "target_date": "113.6.30",
        }
        assert staff.post(url, plan).status_code == 302

        # The reviewer returns it (a reason is required), the agency files it again.
        reviewer = client_as("reviewer")
        no_reason = reviewer.post(url, {"action": "plan_review", "decision": "return"})
        assert no_reason.status_code == 400 and "請說明退回原因。" in no_reason.text
        returned = {"action": "plan_review", "decision": "return", "note": "請補充每週完成件數目標"}
        assert reviewer.post(url, returned).status_code == 302
        item.refresh_from_db()
        assert (item.status, item.review_note) == (
            ImprovementStatus.PLAN_DUE,
            "請補充每週完成件數目標",
        )
        assert Reminder.objects.filter(
            kind=ReminderKind.IMPROVEMENT_RETURNED, recipient__username="staff_a"
        ).exists()
        staff = client_as("staff_a")
        assert (
            staff.post(url, {**plan, "measures": "增派養護班，每週完成40件。"}).status_code == 302
        )
        reviewer = client_as("reviewer")
        assert (
            reviewer.post(url, {"action": "plan_review", "decision": "accept"}).status_code == 302
        )
    item.refresh_from_db()
    assert (item.status, item.due_date) == (ImprovementStatus.OPEN, date(2024, 6, 30))

    with time_machine.travel(at(2024, 6, 20, 10), tick=False):
        staff = client_as("staff_a")
        assert "回報執行成效" in staff.get(url).text
        results = {"action": "report", "report": "4月起逾期件數降為0。"}
        assert staff.post(url, results).status_code == 302
    item.refresh_from_db()
    assert item.status == ImprovementStatus.REPORTED

    # Back under the flag: April and June (May closes nothing and is skipped), then July.
    close_month(agency_a, 2024, 4, on_time=6)
    close_month(agency_a, 2024, 6, on_time=6)
    close_month(agency_a, 2024, 7, on_time=6)
    assert run_month(at(2024, 5, 1, 6))["closed"] == []
    assert run_month(at(2024, 7, 1, 6))["closed"] == []
    assert run_month(at(2024, 8, 1, 6))["closed"] == [item.pk]
    item.refresh_from_db()
    assert item.status == ImprovementStatus.VERIFIED
    assert item.review_note == "逾期率已連續3個月不高於3%（至113年7月），解除列管。"
    reasons = list(
        item.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )
    assert reasons == [
        None,
        "機關提出改善計畫",
        "退回改善計畫",
        "機關提出改善計畫",
        "同意改善計畫",
        "機關回復改善情形",
        "逾期率連續達標，解除列管",
    ]


def test_a_month_above_the_flag_restarts_the_recovery_count(item, cast, agency_a):
    _accept_and_report(item, cast)
    close_month(agency_a, 2024, 4, on_time=6)
    close_month(agency_a, 2024, 6, on_time=5, late=1)  # 16.7%
    close_month(agency_a, 2024, 7, on_time=6)
    close_month(agency_a, 2024, 8, on_time=6)

    assert run_month(at(2024, 8, 1, 6))["closed"] == []
    assert run_month(at(2024, 9, 1, 6))["closed"] == []  # July and August only
    close_month(agency_a, 2024, 9, on_time=6)
    assert run_month(at(2024, 10, 1, 6))["closed"] == [item.pk]


def test_the_recovery_waits_for_the_reported_results(item, cast, agency_a):
    with time_machine.travel(at(2024, 4, 10, 10), tick=False):
        services.file_plan(
            item,
            by=cast["staff_a"],
            causes="人力不足",
            measures="增派人力",
            target_date=date(2024, 6, 30),
        )
        services.accept_plan(item, by=cast["reviewer"])
    for month in (4, 6, 7):
        close_month(agency_a, 2024, month, on_time=6)

    assert run_month(at(2024, 8, 1, 6))["closed"] == []
    item.refresh_from_db()
    assert item.status == ImprovementStatus.OPEN


def _accept_and_report(item, cast):
    with time_machine.travel(at(2024, 4, 10, 10), tick=False):
        services.file_plan(
            item,
            by=cast["staff_a"],
            causes="人力不足",
            measures="增派人力",
            target_date=date(2024, 6, 30),
        )
        services.accept_plan(item, by=cast["reviewer"])
        services.report_improvement(item, by=cast["manager_a"], report="已完成")


def test_a_timeliness_item_is_closed_by_its_figures_not_by_the_reviewer(client_as, item, cast):
    _accept_and_report(item, cast)
    url = reverse("evaluations:improvement_detail", args=[item.pk])

    page = client_as("reviewer").get(url).text
    refused = client_as("reviewer").post(url, {"action": "review", "decision": "verify"})

    assert "確認改善，解除列管" not in page and "退回補正" in page
    assert refused.status_code == 400
    with pytest.raises(ValidationError, match="由系統解除列管"):
        services.verify_improvement(item, by=cast["reviewer"])
    item.refresh_from_db()
    assert item.status == ImprovementStatus.REPORTED


def test_the_items_page_shows_the_monthly_rates_since_the_overdue_month(client_as, item, agency_a):
    close_month(agency_a, 2024, 4, on_time=6)

    with time_machine.travel(at(2024, 5, 3, 10), tick=False):
        response = client_as("manager_a").get(
            reverse("evaluations:improvement_detail", args=[item.pk])
        )

    figures = response.context["recovery"]["figures"]
    assert [(f.month, f.closed, f.overdue_rate) for f in figures] == [
        (date(2024, 3, 1), 10, Decimal("10.0")),
        (date(2024, 4, 1), 6, Decimal("0.0")),
    ]
    assert response.context["recovery"]["streak"] == 1
    assert "逾期率追蹤" in response.text and "連續 3 個月不高於 3%" in response.text


@pytest.mark.parametrize("who", ["staff_b", "manager_b"])
def test_another_agency_never_sees_the_item(client_as, cast, item, who):
    url = reverse("evaluations:improvement_detail", args=[item.pk])
    assert client_as(who).get(url).status_code == 404
    assert not ImprovementItem.objects.visible_to(cast[who]).exists()
    assert list(ImprovementItem.objects.visible_to(cast["staff_a"])) == [item]


def test_the_reviewer_cannot_file_the_agencys_plan(client_as, item):
    url = reverse("evaluations:improvement_detail", args=[item.pk])
    response = client_as("reviewer").post(
        url, {"action": "plan", "causes": "x", "measures": "y", "target_date": "113.6.30"}
    )
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == ImprovementStatus.PLAN_DUE


def test_an_item_not_planned_by_its_due_date_is_urged_once(item, cast):
    # Due Wed 113.5.1 (列管 4.1 + 30 days): urged on Thu 5.2, the first working day after it.
    assert urge_overdue(date(2024, 5, 1)) == []
    with time_machine.travel(at(2024, 5, 2, 7, 45), tick=False):
        sent = send_improvement_reminders.delay().get()
        again = send_improvement_reminders.delay("2024-05-02").get()

    urged = Reminder.objects.filter(kind=ReminderKind.IMPROVEMENT_OVERDUE)
    assert (sent, again) == (2, 0)
    assert sorted(urged.values_list("recipient__username", flat=True)) == ["manager_a", "staff_a"]
    assert (
        urged.first().subject == "【稽催】改善事項已逾期限（113年5月1日），"
        "請儘速提出改善計畫（原因分析、改善措施、預定完成日期）"
    )
    assert urge_overdue(date(2024, 5, 3)) == []


def test_an_audits_item_is_urged_the_same_way(cast, agency_a):
    from tests.evaluations.conftest import make_audit

    audit = make_audit(cast["reviewer"], agency_a, date(2024, 5, 7), E3=0)
    # Due Sat 113.6.8: counts from Tue 6.11 (Mon 6.10 is 端午), so the urge goes out on 6.12.
    services.raise_improvement(
        audit, by=cast["reviewer"], description="增設雙語標示", due_date=date(2024, 6, 8)
    )

    assert urge_overdue(date(2024, 6, 11)) == []
    urged = urge_overdue(date(2024, 6, 12))

    assert {r.recipient.username for r in urged} == {"staff_a", "manager_a"}
    assert "回復改善情形" in urged[0].subject


def test_beat_follows_up_monthly_and_urges_daily(db):
    # The schedules come from migration evaluations 0005; run again (it is idempotent) for a
    # database a transactional test has emptied.
    import importlib

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    from tainan_rdec.celery import app

    importlib.import_module("evaluations.migrations.0005_improvement_schedules").create_schedules(
        apps, None
    )
    follow_up = PeriodicTask.objects.get(task="evaluations.tasks.follow_up_petition_timeliness")
    urge = PeriodicTask.objects.get(task="evaluations.tasks.send_improvement_reminders")

    assert (follow_up.crontab.day_of_month, follow_up.crontab.hour) == ("1", "6")
    assert (urge.crontab.day_of_month, urge.crontab.hour, urge.crontab.minute) == ("*", "7", "45")
    assert follow_up.enabled and urge.enabled
    assert {follow_up.task, urge.task} <= set(app.tasks)
