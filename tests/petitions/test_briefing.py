"""The cases of 為民服務 in the executive briefing (petitions/briefing.py): received by year
in Taipei and by the channels the dashboard shows, adding up to the dashboard's total; the
timeliness of each year and of the span."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from petitions import briefing
from petitions.services import close_case, register_case
from tainan_rdec.briefing.content import Span
from tainan_rdec.workdays import TAIPEI
from tests.petitions.builders import subcategory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 1, 15)


def _case(agency, number, received, channel="hotline", closed=None):
    case = register_case(
        case_number=f"PB{number:08d}",
        received_at=received,
        subcategory=subcategory("0501"),
        handling_agency=agency,
        channel=channel,
        description="路面坑洞",
    )
    if closed:
        close_case(case, at=closed)
    return case


def test_cases_count_in_their_taipei_year_and_channel(agency_a):
    _case(agency_a, 1, datetime(2023, 12, 31, 23, 30, tzinfo=TAIPEI), "web")
    # 00:10 on 113.1.1 in Taipei is still 112 in UTC: the year is Taipei's.
    _case(agency_a, 2, datetime(2024, 1, 1, 0, 10, tzinfo=TAIPEI))
    _case(agency_a, 3, datetime(2024, 5, 2, 9, 0, tzinfo=TAIPEI))
    channels, counts = briefing.received_by_year_and_channel(Span(112, 113, TODAY))
    assert channels == ["1999專線", "網路"]  # the dashboard's: only channels with cases
    assert counts == {112: [0, 1], 113: [2, 0]}
    part = briefing.build(Span(112, 113, TODAY))[0]
    assert part.tables[0].text_rows()[-1] == ["合計", "2", "1", "3"]
    assert part.headlines[0].display == "3件"


def test_timeliness_of_a_year_and_of_the_span(agency_a):
    on_time = datetime(2024, 3, 5, 9, 0, tzinfo=TAIPEI)
    _case(agency_a, 1, datetime(2024, 3, 4, 9, 0, tzinfo=TAIPEI), closed=on_time)
    _case(
        agency_a,
        2,
        datetime(2025, 3, 3, 9, 0, tzinfo=TAIPEI),
        closed=datetime(2025, 4, 30, 9, 0, tzinfo=TAIPEI),  # long past its 3 working days
    )
    part = briefing.build(Span(113, 114, TODAY))[1]
    assert part.tables[0].text_rows() == [
        ["113年", "1", "1", "100.0", "100.0", "0"],
        ["114年", "1", "1", "0.0", "0.0", "0"],
        ["合計", "2", "2", "50.0", "50.0", "0"],
    ]
    assert [h.display for h in part.headlines[:2]] == ["50.0%", "50.0%"]
    assert part.source.url == "/petitions/dashboard/?start=113.1&end=114.12"
