"""獎項 in the executive briefing (awards/briefing.py): the summary page's nine-class table of
confirmed awards for the briefing's years, its total and first prizes."""

from __future__ import annotations

from datetime import date

import pytest

from awards import briefing
from awards.choices import AwardClass, AwardState
from tainan_rdec.briefing.content import Span
from tests.awards.factories import make_award

pytestmark = pytest.mark.django_db


def test_the_nine_classes_of_confirmed_awards_of_the_years(agency_a, agency_b):
    make_award(agency_a, roc_year=113, award_class=AwardClass.INTERNATIONAL, is_top=True)
    make_award(agency_b, roc_year=114, award_class=AwardClass.MERIT)
    make_award(agency_b, roc_year=114, award_class=AwardClass.MERIT, state=AwardState.REGISTERED)
    make_award(agency_b, roc_year=112, award_class=AwardClass.OTHER)  # before the years
    (part,) = briefing.build(Span(113, 114, date(2026, 1, 15)))
    assert part.title == "113年至114年獲獎及評比成果"
    rows = part.tables[0].text_rows()
    assert [row[0] for row in rows] == [str(c.label) for c in AwardClass] + ["合計"]
    assert rows[0] == ["國際大獎", "1", "1"]
    assert rows[5] == ["績優", "1", "0"]
    assert rows[-1] == ["合計", "2", "1"]
    assert [h.display for h in part.headlines] == ["2項", "1項"]
    assert part.source.url == "/awards/summary/?start_year=113&end_year=114"
