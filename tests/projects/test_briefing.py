"""智慧管考 and 前瞻基礎建設 in the executive briefing (projects/briefing.py): the listing year is
the year of a project's first 納入列管 in Taipei, split at the major threshold the commission
sets; the other parts are the overview dashboard's and the PCC hours page's figures."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine

from projects import briefing, services
from projects.models import ControlSettings
from tainan_rdec.briefing.content import Span
from tainan_rdec.workdays import TAIPEI
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

TODAY = date(2026, 1, 15)


def _listed(agency, reviewer, at: datetime, budget: int):
    project = make_project(agency, listed=False, start=date(2023, 1, 1), budget=budget)
    with time_machine.travel(at, tick=False):
        services.list_project(project, by=reviewer)
    return project


def test_a_project_counts_in_the_year_it_was_first_listed_in_taipei(cast, agency_a):
    reviewer = cast["reviewer"]
    # 00:30 on 113.1.1 in Taipei is still 112 in UTC.
    _listed(agency_a, reviewer, datetime(2024, 1, 1, 0, 30, tzinfo=TAIPEI), 60_000_000)
    relisted = _listed(agency_a, reviewer, datetime(2023, 6, 1, 9, 0, tzinfo=TAIPEI), 10_000_000)
    with time_machine.travel(datetime(2024, 8, 1, 9, 0, tzinfo=TAIPEI), tick=False):
        services.suspend_project(relisted, by=reviewer, reason="用地取得延宕")
        services.resume_project(relisted, by=reviewer, reason="用地取得完成")
    figures = briefing.listed_by_year(Span(112, 113, TODAY), 50_000_000)
    assert figures == {
        112: {"major": [0, 0], "minor": [1, 10_000_000]},
        113: {"major": [1, 60_000_000], "minor": [0, 0]},
    }


def test_the_split_is_at_the_threshold_the_commission_sets(cast, agency_a):
    reviewer = cast["reviewer"]
    at = datetime(2024, 3, 1, 9, 0, tzinfo=TAIPEI)
    _listed(agency_a, reviewer, at, 50_000_000)  # at the threshold: a major project
    _listed(agency_a, reviewer, at, 49_999_999)
    span = Span(113, 113, TODAY)
    part = briefing.build_control(span)[0]
    assert part.tables[0].columns[1].label == "5,000萬元以上（案）"
    assert part.tables[0].text_rows()[0] == ["113年", "1", "0.50", "1", "0.50", "2", "1.00"]
    settings = ControlSettings.get()
    settings.major_threshold = 100_000_000
    settings.save()
    part = briefing.build_control(Span(113, 113, TODAY))[0]
    assert part.tables[0].columns[1].label == "10,000萬元以上（案）"
    assert part.tables[0].text_rows()[0][1:4] == ["0", "0.00", "2"]


def test_a_project_never_listed_is_not_counted(cast, agency_a):
    make_project(agency_a, listed=False, start=date(2024, 1, 1))
    figures = briefing.listed_by_year(Span(110, 115, TODAY), 50_000_000)
    assert all(f == {"major": [0, 0], "minor": [0, 0]} for f in figures.values())


def test_both_chapters_read_the_dashboard_once(cast, agency_a):
    span = Span(113, 114, TODAY)
    briefing.build_control(span)
    first = span._shared["projects.dashboard"]
    briefing.build_forward(span)
    assert span._shared["projects.dashboard"] is first
