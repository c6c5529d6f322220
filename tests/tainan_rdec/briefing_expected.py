"""What the briefing must say, read off the dashboards' own pages (their response context, as a
reviewer opens them), never from the briefing's code: the tests of the deck, the PDF and the web
page compare their numbers with these.

``expected(client)`` → {part title: {"tables": [[row cells as text]], "charts": [(categories,
[[values per series]])], "headlines": [text]}} for the span 110–114 of ``briefing_city``; the
listing table, which no dashboard shows yet, comes from the city's known data.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

from petitions.formatting import format_case_count
from tainan_rdec.roc import format_money

YEARS = list(range(110, 115))
LABELS = [f"{y}年" for y in YEARS]


def n(value) -> str:
    return "—" if value is None else f"{value:,}"


def yi(amount) -> str:
    return format_money(amount, "億元", with_unit=False)


def yi_number(amount) -> float:
    return float(yi(amount).replace(",", ""))


def pct(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


def mean(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context


def cases(client) -> dict:
    ctx = _get(client, "/petitions/dashboard/?start=110.1&end=114.12")
    chart = ctx["chart"]
    channels = [label for label, _colour in chart.legend]
    per_year = {y: Counter() for y in YEARS}
    for bar in chart.bars:
        for label, count in zip(channels, bar.counts, strict=True):
            per_year[bar.month.year - 1911][label] += count
    rows = [
        [f"{y}年", *(n(per_year[y][c]) for c in channels), n(sum(per_year[y].values()))]
        for y in YEARS
    ]
    rows.append(["合計", *(n(t) for t in chart.channel_totals), n(chart.total)])
    return {
        "headlines": [format_case_count(ctx["total"])],
        "tables": [rows],
        "charts": [(LABELS, [[per_year[y][c] for y in YEARS] for c in channels])],
    }


def _timeliness(client, first, last):
    rows = _get(client, f"/petitions/dashboard/?start={first}.1&end={last}.12")["rows"]
    received = sum(r.received for r in rows)
    closed = sum(r.closed for r in rows)
    on_time = sum(r.closed_on_time for r in rows)
    fell_due = sum(r.fell_due for r in rows)
    fell_due_on_time = sum(r.fell_due_closed_on_time for r in rows)
    flagged = sum(r.owes_improvement_plan for r in rows)
    return [received, closed, pct(on_time, closed), pct(fell_due_on_time, fell_due), flagged]


def timeliness(client) -> dict:
    years = {y: _timeliness(client, y, y) for y in YEARS}
    whole = _timeliness(client, 110, 114)
    rows = [[f"{y}年", *(n(v) for v in years[y])] for y in YEARS]
    rows.append(["合計", *(n(v) for v in whole)])
    as_numbers = [[float(years[y][i] or 0) for y in YEARS] for i in (2, 3)]
    return {
        "headlines": [f"{whole[2]}%", f"{whole[3]}%", f"{whole[4]}個機關"],
        "tables": [rows],
        "charts": [(LABELS, as_numbers)],
    }


def phone_tests(client) -> dict:
    rows, counts = [], []
    for y in YEARS:
        card = _get(client, f"/evaluations/?year={y}")["phone"]
        tests = list(_get(client, f"/evaluations/phone-tests/?year={y}")["page"].object_list)
        assert card["n"] == len(tests)
        rows.append(
            [
                f"{y}年",
                n(card["n"]),
                n(mean(card["mean"])),
                n(len({t.agency_id for t in tests})),
                n(len({(t.agency_id, t.unit) for t in tests})),
                n(sum(t.route == "hotline" for t in tests)),
                n(sum(t.route == "switchboard" for t in tests)),
            ]
        )
        counts.append(card["n"])
    return {"tables": [rows], "charts": [(LABELS, [counts])], "headlines": [f"{sum(counts)}通"]}


BASES = ["district", "counter", "improvement"]


def audits(client) -> dict:
    rows, by_basis = [], defaultdict(list)
    for y in YEARS:
        card = _get(client, f"/evaluations/?year={y}")["audit"]
        listed = list(_get(client, f"/evaluations/audits/?year={y}")["page"].object_list)
        assert card["n"] == len(listed)
        bases = Counter(a.target.basis if a.target_id else "" for a in listed)
        rows.append(
            [f"{y}年", n(card["n"]), n(mean(card["mean"])), *(n(bases[b]) for b in [*BASES, ""])]
        )
        for b in [*BASES, ""]:
            by_basis[b].append(bases[b])
    return {"tables": [rows], "charts": [(LABELS, [by_basis[b] for b in [*BASES, ""]])]}


def service_award(client) -> dict:
    per_year = {
        y: [bar.count for bar in _get(client, f"/evaluations/service-award/{y}/")["chart"].bars]
        for y in YEARS
    }
    totals = [sum(column) for column in zip(*per_year.values(), strict=True)]
    rows = [[f"{y}年", *(n(c) for c in per_year[y])] for y in YEARS]
    rows.append(["合計", *(n(t) for t in totals)])
    stages = [bar.label for bar in _get(client, "/evaluations/service-award/112/")["chart"].bars]
    return {"tables": [rows], "charts": [(stages, [totals])]}


def listing() -> dict:
    """Known data: 112 a 1.2億元 major project, 113 and 114 one minor each (0.30 and 0.455億元);
    the project listed in 108 is outside the span."""
    from tests.tainan_rdec.briefing_city import MAJOR, MINOR

    third = 45_500_000
    per_year = {112: (1, MAJOR, 0, 0), 113: (0, 0, 1, MINOR), 114: (0, 0, 1, third)}
    rows = []
    for y in YEARS:
        a, ab, b, bb = per_year.get(y, (0, 0, 0, 0))
        rows.append([f"{y}年", n(a), yi(ab), n(b), yi(bb), n(a + b), yi(ab + bb)])
    total = MAJOR + MINOR + third
    rows.append(["合計", "1", yi(MAJOR), "2", yi(MINOR + third), "3", yi(total)])
    return {
        "headlines": ["3案", "1案", "2案", f"{yi(total)}億元"],
        "tables": [rows],
        "charts": [(LABELS, [[0, 0, 1, 0, 0], [0, 0, 0, 1, 1]])],
    }


def lifecycle(client) -> dict:
    board = _get(client, "/projects/dashboard/")["board"]
    c = board.compliance_total
    rows = [[g.label, n(g.count), yi(g.budget)] for g in board.by_status]
    rows.append(["合計", n(board.total.count), yi(board.total.budget)])
    filing = [["全部列管案件", n(c.due), n(c.filed), n(c.late), n(c.missing), n(c.compliance_rate)]]
    return {
        "tables": [rows, filing],
        "charts": [([g.label for g in board.by_status], [[g.count for g in board.by_status]])],
    }


def pcc_hours(client) -> dict:
    figures, hours = Counter(), defaultdict(Decimal)
    for row in _get(client, "/projects/pcc/hours/")["rows"]:
        figures[row["year"] - 1911] += row["figures"]
        hours[row["year"] - 1911] += row["hours"]
    rows = [[f"{y}年", n(figures[y]), n(hours[y] or 0)] for y in YEARS]
    rows.append(["合計", n(sum(figures.values())), n(sum(hours.values(), Decimal(0)))])
    return {"tables": [rows], "charts": [(LABELS, [[float(hours[y]) for y in YEARS]])]}


def forward(client) -> dict:
    board = _get(client, "/projects/dashboard/")["board"]

    def cells(label, r):
        return [
            label,
            n(r.count),
            yi(r.budget),
            n(r.completed),
            n(r.completion_rate),
            n(r.assessed),
            n(r.on_schedule),
            n(r.on_schedule_rate),
        ]

    rows = [cells(str(r.category.label), r) for r in board.categories]
    rows.append(cells("合計", board.category_total))
    return {
        "tables": [rows],
        "charts": [
            (
                [str(r.category.label) for r in board.categories],
                [[yi_number(r.budget) for r in board.categories]],
            )
        ],
    }


def awards(client) -> dict:
    summary = _get(client, "/awards/summary/?start_year=110&end_year=114")["summary"]
    rows = [[r.label, n(r.count), n(r.top)] for r in summary.classes]
    rows.append(["合計", n(summary.total), n(summary.top)])
    per_class = [[row.counts[i] for row in summary.by_year] for i in range(len(summary.classes))]
    return {
        "headlines": [f"{summary.total}項", f"{summary.top}項"],
        "tables": [rows],
        "charts": [([row.label for row in summary.by_year], per_class)],
    }


def expected(client) -> dict:
    return {
        "多元管道受理陳情及1999案件": cases(client),
        "陳情案件處理時效": timeliness(client),
        "電話禮貌測試": phone_tests(client),
        "神秘客實地稽核": audits(client),
        "政府服務獎輔導": service_award(client),
        "列管案件（依列管年度）": listing(),
        "列管狀態及填報情形": lifecycle(client),
        "介接工程會標案管理系統（一處填報、多方運用）": pcc_hours(client),
        "前瞻基礎建設八大類計畫": forward(client),
        "110年至114年獲獎及評比成果": awards(client),
    }
