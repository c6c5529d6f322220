"""The 列管 lifecycle (新增 → 列管中 ↔ 暫緩列管 → 解除列管), execution phases, S-curve versions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from projects import services
from projects.choices import ControlStatus, ExecutionPhase, StatusField
from projects.models import PlanBaseline, StatusChange
from tests.projects.factories import linear_curve, make_project

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)


@pytest.fixture
def new_project(agency_a):
    return make_project(agency_a, listed=False)


@pytest.fixture
def listed_project(agency_a):
    return make_project(agency_a)


def points_of(baseline):
    return list(baseline.points.values_list("month", "planned_percent", "planned_allocation"))


# -- listing requirements ---------------------------------------------------------------------


def test_complete_project_has_no_listing_problems(new_project):
    assert services.listing_problems(new_project) == []


def test_listing_requires_basic_data(new_project):
    new_project.name = ""
    assert services.listing_problems(new_project) == ["基本資料不完整（案件名稱、主辦機關）。"]


def test_listing_requires_budget(new_project):
    new_project.total_budget = 0
    assert services.listing_problems(new_project) == ["尚未填寫總核定經費。"]


def test_listing_requires_a_checkpoint(new_project):
    new_project.milestones.all().delete()
    assert services.listing_problems(new_project) == ["至少需要一個檢核點。"]


def test_listing_requires_an_s_curve(new_project):
    new_project.baselines.all().delete()
    assert services.listing_problems(new_project) == ["尚未建立預定進度（S曲線）。"]


@pytest.mark.parametrize(
    ("curve_start", "curve_end"),
    [(date(2024, 1, 1), date(2024, 10, 1)), (date(2024, 3, 1), date(2024, 12, 1))],
    ids=["ends-early", "starts-late"],
)
def test_listing_requires_the_s_curve_to_cover_the_planned_period(
    new_project, cast, curve_start, curve_end
):
    services.create_baseline(
        new_project,
        linear_curve(curve_start, curve_end, new_project.total_budget),
        by=cast["reviewer"],
        reason="縮短期程",
    )
    assert services.listing_problems(new_project) == [
        "預定進度須涵蓋預定期程（113年1月至113年12月）。"
    ]


def test_listing_lists_every_missing_item(new_project):
    new_project.total_budget = 0
    new_project.milestones.all().delete()
    new_project.baselines.all().delete()
    assert services.listing_problems(new_project) == [
        "尚未填寫總核定經費。",
        "至少需要一個檢核點。",
        "尚未建立預定進度（S曲線）。",
    ]


def test_list_project_refuses_incomplete_project(new_project, cast):
    new_project.milestones.all().delete()
    with pytest.raises(ValidationError) as exc:
        services.list_project(new_project, by=cast["reviewer"])
    assert exc.value.messages == ["至少需要一個檢核點。"]
    new_project.refresh_from_db()
    assert new_project.control_status == ControlStatus.NEW
    assert not StatusChange.objects.filter(project=new_project).exists()


@pytest.mark.parametrize("who", ["reviewer", "admin"])
def test_commission_lists_a_complete_project(new_project, cast, who):
    services.list_project(new_project, by=cast[who])
    new_project.refresh_from_db()
    assert new_project.control_status == ControlStatus.LISTED
    change = StatusChange.objects.get(project=new_project)
    assert (change.old_value, change.new_value) == (ControlStatus.NEW, ControlStatus.LISTED)
    assert change.by == cast[who]
    assert change.reason == "納入列管"


# -- who may change the control status ------------------------------------------------------


@pytest.mark.parametrize("who", ["staff_a", "manager_a", "manager_b"])
@pytest.mark.parametrize(
    ("action", "start_status"),
    [
        (services.list_project, ControlStatus.NEW),
        (services.suspend_project, ControlStatus.LISTED),
        (services.resume_project, ControlStatus.SUSPENDED),
        (services.delist_project, ControlStatus.LISTED),
    ],
    ids=["list", "suspend", "resume", "delist"],
)
def test_bureau_users_cannot_change_control_status(agency_a, cast, who, action, start_status):
    project = make_project(agency_a, listed=False, control_status=start_status)
    with pytest.raises(PermissionDenied, match="只有研考會審查人員可以執行此項作業。"):
        action(project, by=cast[who], reason="局處自行調整")
    project.refresh_from_db()
    assert project.control_status == start_status
    assert not StatusChange.objects.filter(project=project).exists()


@pytest.mark.parametrize("action", [services.suspend_project, services.delist_project])
@pytest.mark.parametrize("reason", ["", "   "])
def test_suspending_or_delisting_needs_a_reason(listed_project, cast, action, reason):
    with pytest.raises(ValidationError) as exc:
        action(listed_project, by=cast["reviewer"], reason=reason)
    assert exc.value.message_dict == {"reason": ["請填寫原因。"]}
    listed_project.refresh_from_db()
    assert listed_project.control_status == ControlStatus.LISTED


def test_resuming_needs_a_reason(agency_a, cast):
    project = make_project(agency_a, listed=False, control_status=ControlStatus.SUSPENDED)
    with pytest.raises(ValidationError) as exc:
        services.resume_project(project, by=cast["reviewer"], reason="")
    assert exc.value.message_dict == {"reason": ["請填寫原因。"]}


def test_delisted_project_cannot_be_listed_again(agency_a, cast):
    project = make_project(agency_a, listed=False, control_status=ControlStatus.DELISTED)
    with pytest.raises(ValidationError) as exc:
        services.list_project(project, by=cast["reviewer"])
    assert exc.value.messages == ["案件目前為「解除列管」，不能改為「列管中」。"]
    with pytest.raises(ValidationError) as exc:
        services.resume_project(project, by=cast["reviewer"], reason="重新列管")
    assert exc.value.messages == ["案件目前為「解除列管」，不能改為「列管中」。"]
    project.refresh_from_db()
    assert project.control_status == ControlStatus.DELISTED


def test_new_project_cannot_be_suspended(new_project, cast):
    with pytest.raises(ValidationError) as exc:
        services.suspend_project(new_project, by=cast["reviewer"], reason="經費未到位")
    assert exc.value.messages == ["案件目前為「新增」，不能改為「暫緩列管」。"]
    new_project.refresh_from_db()
    assert new_project.control_status == ControlStatus.NEW


def test_every_status_change_is_logged_with_who_and_why(new_project, cast):
    reviewer, admin = cast["reviewer"], cast["admin"]
    services.list_project(new_project, by=reviewer, reason="113年度新增列管")
    services.suspend_project(new_project, by=reviewer, reason="用地取得延宕")
    services.resume_project(new_project, by=admin, reason="用地已取得")
    services.delist_project(new_project, by=reviewer, reason="已完工結案")

    log = list(
        StatusChange.objects.filter(project=new_project)
        .order_by("pk")
        .values_list("field", "old_value", "new_value", "by__username", "reason")
    )
    assert log == [
        ("control_status", "new", "listed", "reviewer", "113年度新增列管"),
        ("control_status", "listed", "suspended", "reviewer", "用地取得延宕"),
        ("control_status", "suspended", "listed", "admin", "用地已取得"),
        ("control_status", "listed", "delisted", "reviewer", "已完工結案"),
    ]
    new_project.refresh_from_db()
    assert new_project.control_status == ControlStatus.DELISTED


# -- execution phase -----------------------------------------------------------------------


def test_change_phase_records_old_and_new_phase(listed_project, cast):
    listed_project.phase = ExecutionPhase.CONSTRUCTION
    listed_project.save()
    services.change_phase(
        listed_project, ExecutionPhase.STOPPED, by=cast["manager_a"], reason="颱風災損停工"
    )
    listed_project.refresh_from_db()
    assert listed_project.phase == ExecutionPhase.STOPPED
    change = StatusChange.objects.get(project=listed_project)
    assert change.field == StatusField.PHASE
    assert (change.old_label, change.new_label) == ("施工中", "停工中")
    assert (change.by, change.reason) == (cast["manager_a"], "颱風災損停工")


def test_change_phase_to_the_same_phase_logs_nothing(listed_project, cast):
    services.change_phase(listed_project, listed_project.phase, by=cast["manager_a"])
    assert not StatusChange.objects.filter(project=listed_project).exists()


@pytest.mark.parametrize("who", ["staff_b", "manager_b"])
def test_other_bureau_cannot_change_phase(listed_project, cast, who):
    with pytest.raises(PermissionDenied, match="您不能變更此案件的執行階段。"):
        services.change_phase(listed_project, ExecutionPhase.STOPPED, by=cast[who])
    listed_project.refresh_from_db()
    assert listed_project.phase == ExecutionPhase.PLANNING


def test_change_phase_rejects_unknown_phase(listed_project, cast):
    with pytest.raises(ValidationError) as exc:
        services.change_phase(listed_project, "on_holiday", by=cast["manager_a"])
    assert exc.value.message_dict == {"phase": ["執行階段不正確。"]}


# -- S-curve baselines --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ([], "預定進度至少需要一個月份。"),
        (
            [(JAN, "50", 10), (FEB, "40", 20), (MAR, "100", 30)],
            "113年2月的累計數不得小於前一個月。",
        ),
        ([(JAN, "50", 10), (FEB, "90", 20)], "預定進度最後一個月須為100%。"),
        ([(JAN, "50", 10), (date(2024, 1, 20), "60", 10), (FEB, "100", 20)], "同一月份重複填寫。"),
        (
            [(JAN, "-5", 10), (FEB, "100", 20)],
            "113年1月的預定進度須介於0至100%，分配數不得為負。",
        ),
        (
            [(JAN, "120", 10), (FEB, "100", 20)],
            "113年1月的預定進度須介於0至100%，分配數不得為負。",
        ),
        (
            [(JAN, "10", -1), (FEB, "100", 20)],
            "113年1月的預定進度須介於0至100%，分配數不得為負。",
        ),
    ],
    ids=["empty", "decreasing", "last-not-100", "duplicate-month", "negative", "over-100", "money"],
)
def test_create_baseline_validates_the_curve(agency_a, cast, points, message):
    project = make_project(agency_a, listed=False)
    with pytest.raises(ValidationError) as exc:
        services.create_baseline(project, points, by=cast["manager_a"], reason="修正")
    assert message in exc.value.messages
    assert project.baselines.count() == 1


def test_replan_creates_version_two_and_keeps_version_one(listed_project, cast):
    first = listed_project.current_baseline()
    original_points = points_of(first)
    slower = [(m, p, a) for m, p, a in linear_curve(date(2024, 1, 1), date(2025, 6, 30), 1000)]

    second = services.create_baseline(
        listed_project, slower, by=cast["manager_a"], reason="用地取得延宕，展延工期"
    )

    assert second.version == 2
    assert listed_project.current_baseline() == second
    first.refresh_from_db()
    assert first.version == 1 and not first.is_current
    assert points_of(first) == original_points
    assert points_of(second)[-1] == (date(2025, 6, 1), Decimal("100.00"), 1000)
    assert second.reason == "用地取得延宕，展延工期"


@pytest.mark.parametrize("reason", ["", "  "])
def test_replan_needs_a_reason(listed_project, cast, reason):
    first = listed_project.current_baseline()
    with pytest.raises(ValidationError) as exc:
        services.create_baseline(
            listed_project,
            linear_curve(date(2024, 1, 1), date(2024, 12, 1), 10),
            by=cast["manager_a"],
            reason=reason,
        )
    assert exc.value.message_dict == {"reason": ["修正預定進度須說明原因。"]}
    assert list(PlanBaseline.objects.filter(project=listed_project)) == [first]
    assert listed_project.current_baseline() == first
