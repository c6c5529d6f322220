"""The service-quality figures of 為民服務 in the executive briefing (業務簡報): telephone
courtesy tests and mystery-shopper audits per year with their scope, and the Government Service
Award funnel per year.

Counts and mean scores are the service-quality front page's year cards (``?year=``: the
records' ``in_year`` queryset, count and mean score) and the funnel is ``coaching.funnel``, the
function the award's year page draws. All agencies' records: the briefing is city-wide.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from evaluations import coaching
from evaluations.choices import PIPELINE, CallRoute, CoachingStage, TargetBasis
from evaluations.models import Audit, PhoneTest
from tainan_rdec.briefing.content import (
    BriefingSection,
    Chart,
    ChartKind,
    Column,
    Format,
    Headline,
    Part,
    Series,
    Source,
    Span,
    Table,
    year_label,
)
from tainan_rdec.roc import ROC_OFFSET

CENT = Decimal("0.01")


def mean_score(value) -> Decimal | None:
    """A mean score as the front page shows it: two decimals, half up."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


def _by_year(rows, key: str) -> dict[int, dict]:
    return {row[key] - ROC_OFFSET: row for row in rows}


def phone_tests_by_year(span: Span) -> dict[int, dict]:
    """{ROC year: tests, mean score, agencies and units tested, calls to 1999 and through the
    switchboard}. Two grouped queries whatever the number of tests."""
    tests = PhoneTest.objects.filter(tested_on__range=(span.start, span.end))
    rows = _by_year(
        tests.values("tested_on__year")
        .annotate(
            n=Count("pk"),
            mean=Avg("score"),
            agencies=Count("agency", distinct=True),
            hotline=Count("pk", filter=Q(route=CallRoute.HOTLINE)),
            switchboard=Count("pk", filter=Q(route=CallRoute.SWITCHBOARD)),
        )
        .order_by(),
        "tested_on__year",
    )
    # A unit is one agency's unit: the same name at two agencies is two units.
    units: dict[int, int] = defaultdict(int)
    for year, _agency, _unit in tests.values_list("tested_on__year", "agency", "unit").distinct():
        units[year - ROC_OFFSET] += 1
    empty = {"n": 0, "mean": None, "agencies": 0, "hotline": 0, "switchboard": 0}
    return {
        year: {
            **empty,
            **rows.get(year, {}),
            "units": units[year],
            "mean": mean_score(rows.get(year, {}).get("mean")),
        }
        for year in span.years
    }


BASES = list(TargetBasis)


def audits_by_year(span: Span) -> dict[int, dict]:
    """{ROC year: audits, mean score, and audits by why their agency was on the target list
    (區公所, 服務櫃台, 前一年度待加強機關; an audit of no listed target apart)}. One query."""
    counts = {basis.value: Count("pk", filter=Q(target__basis=basis)) for basis in BASES}
    rows = _by_year(
        Audit.objects.filter(visited_on__range=(span.start, span.end))
        .values("visited_on__year")
        .annotate(
            n=Count("pk"),
            mean=Avg("score"),
            untargeted=Count("pk", filter=Q(target=None)),
            **counts,
        )
        .order_by(),
        "visited_on__year",
    )
    empty = {"n": 0, "mean": None, "untargeted": 0, **{b.value: 0 for b in BASES}}
    return {
        year: {**empty, **rows.get(year, {}), "mean": mean_score(rows.get(year, {}).get("mean"))}
        for year in span.years
    }


def funnel_by_year(span: Span) -> dict[int, list[int]]:
    """{ROC year: entries that reached each stage of ``PIPELINE``}: ``coaching.funnel``."""
    return {
        year: [step.count for step in coaching.funnel(year + ROC_OFFSET)] for year in span.years
    }


def _index_url(year: int) -> str:
    return reverse("evaluations:index") + f"?year={year}"


def _phone_part(span: Span) -> Part:
    figures = phone_tests_by_year(span)
    rows = [
        [
            year_label(year),
            f["n"],
            f["mean"],
            f["agencies"],
            f["units"],
            f["hotline"],
            f["switchboard"],
        ]
        for year, f in figures.items()
    ]
    total = sum(f["n"] for f in figures.values())
    return Part(
        section=BriefingSection.SERVICE,
        key="evaluations-phone-tests",
        title=_("電話禮貌測試"),
        headlines=[
            Headline(_("{span}測試").format(span=span.label), total, unit=_("通")),
            Headline(_("年平均測試"), round(total / len(span.years)), unit=_("通")),
        ],
        tables=[
            Table(
                _("各年度電話禮貌測試及測試範圍"),
                [
                    Column(_("年度"), Format.TEXT),
                    Column(_("測試通數")),
                    Column(_("平均成績（分）"), Format.NUMBER),
                    Column(_("受測機關數")),
                    Column(_("受測單位數")),
                    Column(_("1999話務中心（通）")),
                    Column(_("經總機轉接（通）")),
                ],
                rows,
                unit=_("單位：通、分、個"),
            )
        ],
        charts=[
            Chart(
                _("各年度電話禮貌測試通數"),
                [row[0] for row in rows],
                [Series(_("測試通數"), [row[1] for row in rows])],
                unit=_("通"),
            )
        ],
        source=Source(_("服務品質評核（年度）"), _index_url(span.last)),
    )


def _audit_part(span: Span) -> Part:
    figures = audits_by_year(span)
    rows = [
        [
            year_label(year),
            f["n"],
            f["mean"],
            *(f[b.value] for b in BASES),
            f["untargeted"],
        ]
        for year, f in figures.items()
    ]
    total = sum(f["n"] for f in figures.values())
    return Part(
        section=BriefingSection.SERVICE,
        key="evaluations-audits",
        title=_("神秘客實地稽核"),
        headlines=[
            Headline(_("{span}稽核").format(span=span.label), total, unit=_("次")),
            Headline(_("年平均稽核"), round(total / len(span.years)), unit=_("次")),
        ],
        tables=[
            Table(
                _("各年度稽核次數及稽核對象"),
                [
                    Column(_("年度"), Format.TEXT),
                    Column(_("稽核次數")),
                    Column(_("平均成績（分）"), Format.NUMBER),
                    *(Column(str(b.label)) for b in BASES),
                    Column(_("其他")),
                ],
                rows,
                unit=_("單位：次、分"),
            )
        ],
        charts=[
            Chart(
                _("各年度稽核次數（依稽核對象）"),
                [row[0] for row in rows],
                [
                    *(
                        Series(str(b.label), [figures[y][b.value] for y in span.years])
                        for b in BASES
                    ),
                    Series(_("其他"), [figures[y]["untargeted"] for y in span.years]),
                ],
                kind=ChartKind.STACKED,
                unit=_("次"),
            )
        ],
        notes=[_("稽核對象依稽核對象名單之列入原因分類；未列入名單之稽核列為「其他」。")],
        source=Source(_("服務品質評核（年度）"), _index_url(span.last)),
    )


def _award_part(span: Span) -> Part:
    funnels = funnel_by_year(span)
    rows = [[year_label(year), *counts] for year, counts in funnels.items()]
    totals = [sum(counts[i] for counts in funnels.values()) for i in range(len(PIPELINE))]
    stages = [str(stage.label) for stage in PIPELINE]
    return Part(
        section=BriefingSection.SERVICE,
        key="evaluations-service-award",
        title=_("政府服務獎輔導"),
        headlines=[
            Headline(_("輔導機關"), totals[0], unit=_("案")),
            Headline(_("推薦參獎"), totals[1], unit=_("案")),
            Headline(_("入圍"), totals[PIPELINE.index(CoachingStage.SHORTLISTED)], unit=_("案")),
            Headline(_("得獎"), totals[-1], unit=_("案")),
        ],
        tables=[
            Table(
                _("各年度輔導、推薦、入圍及得獎案數"),
                [Column(_("年度"), Format.TEXT), *(Column(label) for label in stages)],
                rows,
                unit=_("單位：案"),
                total=[_("合計"), *totals],
            )
        ],
        charts=[
            Chart(
                _("{span}政府服務獎各階段案數").format(span=span.label),
                stages,
                [Series(_("案數"), totals)],
                unit=_("案"),
            )
        ],
        notes=[_("各階段為當年度參獎方案曾達到該階段之案數。")],
        source=Source(
            _("政府服務獎輔導"),
            reverse("evaluations:coaching_year", kwargs={"year": span.last + ROC_OFFSET}),
        ),
    )


def build(span: Span) -> list[Part]:
    return [_phone_part(span), _audit_part(span), _award_part(span)]
