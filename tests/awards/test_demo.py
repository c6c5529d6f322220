"""The demo awards: a few hundred across the nine classes and five years, with history, and a
re-run that writes nothing."""

from datetime import date

import pytest

from awards import demo, stats
from awards.choices import AwardClass, AwardState
from awards.demo import catalogue
from awards.models import Award

pytestmark = pytest.mark.django_db

TODAY = date(2024, 3, 26)  # the briefing's day: the demo covers 108–112


def test_demo_covers_the_nine_classes_and_five_years(city_agencies):
    written = demo.seed(today=TODAY)

    assert written == Award.objects.count()
    assert 300 <= written <= 400
    assert set(Award.objects.values_list("award_class", flat=True)) == set(AwardClass.values)
    assert set(Award.objects.values_list("roc_year", flat=True)) == {108, 109, 110, 111, 112}
    counted = Award.objects.counted().count()
    assert counted > 0.85 * written
    assert stats.build_summary(108, 112).total == counted
    # The latest year still has awards waiting and returned for a fix.
    latest = Award.objects.filter(roc_year=112)
    assert latest.filter(state=AwardState.REGISTERED).exists()
    assert latest.filter(state=AwardState.RETURNED).exclude(return_reason="").exists()


def test_demo_classes_follow_the_briefings_proportions(city_agencies):
    demo.seed(today=TODAY)

    counts = {c: Award.objects.filter(award_class=c).count() for c in AwardClass}
    # 績優 is the largest class and 國際大獎 the smallest, as in the city's table.
    assert max(counts, key=counts.get) == AwardClass.MERIT
    assert min(counts, key=counts.get) == AwardClass.INTERNATIONAL
    assert counts == catalogue.CLASS_COUNTS


def test_demo_awards_have_their_steps_in_history(city_agencies, cast):
    demo.seed(today=TODAY)

    confirmed = Award.objects.counted().first()
    waiting = Award.objects.filter(state=AwardState.REGISTERED).first()
    assert [e["action"] for e in confirmed.timeline()] == ["登錄", "確認"]
    assert [e["action"] for e in waiting.timeline()] == ["登錄"]
    assert confirmed.timeline()[1]["by"] == cast["reviewer"]


def test_demo_dates_fall_in_the_awards_year_or_the_next(city_agencies):
    demo.seed(today=TODAY)

    for award in Award.objects.all():
        assert award.award_date.year - 1911 in (award.roc_year, award.roc_year + 1)
        assert award.award_date < TODAY
        award.clean_fields()


def test_demo_is_idempotent_and_deterministic(city_agencies):
    first = demo.seed(today=TODAY)
    keys = set(Award.objects.values_list("agency__code", "roc_year", "name", "awarding_body"))

    assert demo.seed(today=TODAY) == 0
    assert Award.objects.count() == first
    Award.objects.all().delete()
    demo.seed(today=TODAY)
    assert (
        set(Award.objects.values_list("agency__code", "roc_year", "name", "awarding_body")) == keys
    )


def test_awards_seeder_is_registered_for_seed_demo(city_agencies):
    from io import StringIO

    from tainan_rdec.registry import demo_seeders

    out = StringIO()
    dict(demo_seeders())["awards"](out)

    assert "示範獎項" in out.getvalue()
    assert Award.objects.count() > 300
