"""Demo awards (示範獎項): about 350 awards of the city's agencies over the five ROC years
before this one, across the nine classes in about the proportions of the briefing's 108–112
table (1,662 awards, scaled down about five times), about half of them 首獎及卓越成績.

Most awards are confirmed; in the latest year some still wait for a reviewer and a few were
returned with a reason. Each award gets its history: registered by the agency (the demo user
of 工務局 or 水利局 where there is one) and, when confirmed or returned, the reviewer's step.

``seed(stdout)`` is registered as a demo seeder. It is deterministic (``random.Random(SEED)``,
years relative to today's ROC year) and idempotent: an award whose natural key (agency, year,
name, awarding body) exists is left alone, so a re-run writes nothing. The five-year benchmark
data set (tests/perf/fiveyear) draws and writes its registry with the same ``plan_awards`` and
``write_awards``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from awards.choices import AwardClass, AwardState
from awards.models import Award
from tainan_rdec.models import Agency, User
from tainan_rdec.roc import ROC_OFFSET
from tainan_rdec.workdays import TAIPEI

SEED = 20240326
YEARS = 5
DISTRICT = "D"  # any district office

# Awards per class: the briefing's subtotals (43, 229, 86, 80, 58, 454, 267, 92, 353) ÷ ~4.8.
CLASS_COUNTS = {
    AwardClass.INTERNATIONAL: 9,
    AwardClass.NATIONAL: 48,
    AwardClass.FIRST_PLACE: 18,
    AwardClass.SECOND_PLACE: 17,
    AwardClass.THIRD_PLACE: 12,
    AwardClass.MERIT: 95,
    AwardClass.EXCELLENT: 56,
    AwardClass.GRADE_A: 19,
    AwardClass.OTHER: 74,
}
# Share of each class that is a first prize or an excellent result (about 890 of 1,662).
TOP_SHARE = {
    AwardClass.INTERNATIONAL: 0.8,
    AwardClass.NATIONAL: 0.7,
    AwardClass.FIRST_PLACE: 1.0,
    AwardClass.SECOND_PLACE: 0.0,
    AwardClass.THIRD_PLACE: 0.0,
    AwardClass.MERIT: 0.6,
    AwardClass.EXCELLENT: 0.8,
    AwardClass.GRADE_A: 0.2,
    AwardClass.OTHER: 0.3,
}

# (awarding body, award, agencies that win it)
INTERNATIONAL = [
    ("德國iF國際論壇設計公司", "iF設計獎", ["B11", "B13", "B22", "B29"]),
    ("德國紅點設計協會", "紅點設計大獎", ["B11", "B13", "B22"]),
    ("國際宜居城市獎組織委員會", "國際宜居城市獎", ["B17", "B06", "B12"]),
    ("IDC", "亞太區智慧城市大獎", ["B29", "B14", "B26"]),
    ("亞太旅行協會", "PATA金獎", ["B11"]),
    ("國際城市管理協會", "智慧城市領袖獎", ["B29", "B26"]),
]
NATIONAL = [
    ("國家發展委員會", "政府服務獎", ["B26", "B08", "B16", "B29", "B15", "B03", DISTRICT]),
    ("行政院", "國家永續發展獎", ["B17", "B10", "B07"]),
    ("行政院公共工程委員會", "公共工程金質獎", ["B06", "B07", "B12", "S06"]),
    ("財團法人台灣建築中心", "國家卓越建設獎", ["B06", "B07", "B12"]),
    ("環境部", "國家環境教育獎", ["B17", "B04"]),
    ("內政部", "智慧城市創新應用獎", ["B29", "B14"]),
    ("教育部", "閱讀磐石獎", ["B04", "S01"]),
    ("國家發展委員會檔案管理局", "金檔獎", ["B01", "B15", "B02", DISTRICT]),
    ("國家發展委員會", "政府機關資訊通報獎", ["B29", "B26"]),
]
# Evaluations ranked by the central government: the class is the rank or grade.
EVALUATIONS = [
    ("教育部體育署", "全民運動推展績效評鑑", ["B20"]),
    ("衛生福利部", "社會福利績效考核", ["B08"]),
    ("衛生福利部", "地方衛生機關業務考評", ["B16"]),
    ("內政部", "戶政業務績效評比", ["B02", DISTRICT]),
    ("內政部", "地政業務績效考評", ["B15"]),
    ("內政部消防署", "消防救災績效評比", ["B19"]),
    ("內政部警政署", "治安維護工作績效評比", ["B18"]),
    ("環境部", "全國環境清潔維護評比", ["B17", DISTRICT]),
    ("交通部", "道路交通安全績效評比", ["B14"]),
    ("財政部", "地方稅務績效考核", ["B03"]),
    ("勞動部", "就業服務績效評鑑", ["B09"]),
    ("農業部", "動物保護業務評鑑", ["S03", "B10"]),
    ("行政院人事行政總處", "人事業務績效考評", ["B23"]),
    ("法務部廉政署", "廉政業務績效評核", ["B24"]),
    ("行政院主計總處", "主計業務考評", ["B25"]),
    ("原住民族委員會", "原住民族業務評鑑", ["B27"]),
    ("客家委員會", "客家事務績效評比", ["B28"]),
    ("經濟部水利署", "水利建設考核", ["B07"]),
    ("國家發展委員會", "一般性補助款基本設施計畫執行績效考核", ["B26", "B06", "B07"]),
    ("內政部", "公所災害防救業務訪評", [DISTRICT]),
]
GROUPS = ["直轄市組", "甲組", "乙組", "縣市組", "特別組", "創新組", "服務組", "推廣組"]
OTHER_RESULTS = ["特優", "佳作", "進步獎", "特色獎", "創意獎", "優良獎"]
RETURN_REASONS = [
    "佐證文件不足，請補上傳獲獎公文或證書。",
    "獎項類別有誤，評比結果為甲等，請更正類別。",
    "頒獎單位名稱請填全銜。",
]
SUFFIX = {
    AwardClass.FIRST_PLACE: "第1名",
    AwardClass.SECOND_PLACE: "第2名",
    AwardClass.THIRD_PLACE: "第3名",
    AwardClass.MERIT: "績優",
    AwardClass.EXCELLENT: "優等",
    AwardClass.GRADE_A: "甲等",
}


def _catalogue(award_class: AwardClass) -> list[tuple[str, str, list[str]]]:
    if award_class == AwardClass.INTERNATIONAL:
        return INTERNATIONAL
    if award_class == AwardClass.NATIONAL:
        return NATIONAL
    return EVALUATIONS


def _name(
    rng: random.Random, award_class: AwardClass, base: str, *, grouped: bool, group_last: bool
) -> str:
    """``base`` with the class's rank or grade (for an 其他 award, a result drawn) and, when
    ``grouped``, a group (組別) drawn before the result or, with ``group_last``, after it."""
    group = rng.choice(GROUPS) if grouped and not group_last else None
    if award_class in (AwardClass.INTERNATIONAL, AwardClass.NATIONAL):
        name = base
    elif award_class == AwardClass.OTHER:
        name = f"{base}{rng.choice(OTHER_RESULTS)}"
    else:
        name = f"{base}{SUFFIX[award_class]}"
    if grouped and group_last:
        group = rng.choice(GROUPS)
    return f"{name}（{group}）" if group else name


def _day(rng: random.Random, roc_year: int, today: date) -> date:
    year = roc_year + ROC_OFFSET
    # One in five is presented early the next year (a year's award, given in January–March).
    if rng.random() < 0.2:
        day = date(year + 1, 1, 1) + timedelta(days=rng.randrange(90))
    else:
        day = date(year, 1, 1) + timedelta(days=rng.randrange(365))
    return min(day, today - timedelta(days=7))


def build(today: date, agencies: dict[str, Agency]) -> list[dict]:
    """The demo awards as field dicts (agency code in ``agency``), deterministic for ``today``."""
    this_year = today.year - ROC_OFFSET
    years = list(range(this_year - YEARS, this_year))
    return plan_awards(random.Random(SEED), CLASS_COUNTS, years, agencies, today=today)


def plan_awards(
    rng: random.Random,
    counts: dict[AwardClass, int],
    years: Sequence[int],
    agencies: dict,
    *,
    today: date,
    attempts: int = 40,
    group_last: bool = False,
) -> list[dict]:
    """``counts`` awards of each class as field dicts (agency code in ``agency``), drawn from
    ``rng`` (the demo's and the five-year benchmark data set's awards).

    Each is an award of its class's catalogue won by one of its agencies (a district office's by
    one of the district offices of ``agencies``) in one of the ROC ``years``, a little more in
    each later year; mostly confirmed, in the latest year some still registered and a few
    returned with a reason. The natural key (agency, year, name, awarding body) never repeats: a
    draw that repeats one, or names an agency not in ``agencies``, is drawn again with a group
    (組別) in the name, up to ``attempts`` times, after which the award is left out.
    ``group_last`` draws that group after the result of an 其他 award rather than before: the
    benchmark data set's order, kept so that its seed gives the same awards."""
    weights = [1.0 + 0.08 * i for i in range(len(years))]
    districts = sorted(code for code in agencies if code.startswith("D"))
    seen: set[tuple] = set()
    rows = []
    for award_class, n in counts.items():
        catalogue = _catalogue(award_class)
        for _i in range(n):
            for attempt in range(attempts):
                body, base, codes = rng.choice(catalogue)
                code = rng.choice(codes)
                if code == DISTRICT:
                    code = rng.choice(districts)
                roc_year = rng.choices(years, weights)[0]
                name = _name(rng, award_class, base, grouped=attempt > 0, group_last=group_last)
                key = (code, roc_year, name, body)
                if key not in seen and code in agencies:
                    break
            else:
                continue
            seen.add(key)
            latest = roc_year == years[-1]
            r = rng.random()
            if r < (0.15 if latest else 0.02):
                state = AwardState.REGISTERED
            elif r < (0.19 if latest else 0.03):
                state = AwardState.RETURNED
            else:
                state = AwardState.CONFIRMED
            rows.append(
                {
                    "agency": code,
                    "roc_year": roc_year,
                    "award_date": _day(rng, roc_year, today),
                    "name": name,
                    "awarding_body": body,
                    "award_class": award_class,
                    "is_top": rng.random() < TOP_SHARE[award_class],
                    "state": state,
                    "return_reason": rng.choice(RETURN_REASONS)
                    if state == AwardState.RETURNED
                    else "",
                    "registration_lag": 3 + rng.randrange(25),
                    "review_lag": 2 + rng.randrange(12),
                }
            )
    return rows


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), TAIPEI)


@transaction.atomic
def seed(stdout=None, *, today: date | None = None) -> int:
    """Write the demo awards not yet there; returns how many were written."""
    today = today or timezone.localdate()
    agencies = {a.code: a for a in Agency.objects.all()}
    rows = build(today, agencies)
    years = {row["roc_year"] for row in rows}
    existing = set(
        Award.objects.filter(roc_year__in=years).values_list(
            "agency__code", "roc_year", "name", "awarding_body"
        )
    )
    rows = [
        row
        for row in rows
        if (row["agency"], row["roc_year"], row["name"], row["awarding_body"]) not in existing
    ]
    if not rows:
        if stdout:
            stdout.write("  示範獎項已存在，略過")
        return 0
    users = User.objects.in_bulk(["pw_staff", "wr_staff", "reviewer"], field_name="username")
    created = write_awards(
        rows,
        agencies,
        filers={"B06": users.get("pw_staff"), "B07": users.get("wr_staff")},
        reviewer=users.get("reviewer"),
        now=timezone.now(),
        note="示範資料",
    )
    if stdout:
        confirmed = sum(1 for a in created if a.state == AwardState.CONFIRMED)
        stdout.write(f"  示範獎項 {len(created)} 項（已確認 {confirmed} 項）")
    return len(created)


def write_awards(
    rows: list[dict],
    agencies: dict[str, Agency],
    *,
    filers: dict,
    reviewer: User | None,
    now: datetime,
    registered_until: datetime | None = None,
    note: str = "",
) -> list[Award]:
    """Write the awards of ``rows`` (``plan_awards``' field dicts) as the services would have
    left them, with their history; returns them.

    Each is registered by its agency's filer (``filers`` by agency code; none when missing) at
    10:00 ``registration_lag`` days after the award date, no later than ``registered_until``
    (``now`` by default), and unless it still waits, reviewed by ``reviewer`` ``review_lag`` days
    after that, no later than ``now``."""
    awards, steps = [], []  # steps: per award, [(state, at, user, reason)]
    for row in rows:
        registered_at = min(
            _moment(row["award_date"] + timedelta(days=row["registration_lag"]), 10),
            registered_until or now,
        )
        reviewed_at = None
        if row["state"] != AwardState.REGISTERED:
            reviewed_at = min(registered_at + timedelta(days=row["review_lag"]), now)
        filer = filers.get(row["agency"])
        awards.append(
            Award(
                agency=agencies[row["agency"]],
                roc_year=row["roc_year"],
                award_date=row["award_date"],
                name=row["name"],
                awarding_body=row["awarding_body"],
                award_class=row["award_class"],
                is_top=row["is_top"],
                note=note,
                state=row["state"],
                registered_by=filer,
                registered_at=registered_at,
                reviewed_by=reviewer if reviewed_at else None,
                reviewed_at=reviewed_at,
                return_reason=row["return_reason"],
            )
        )
        history = [(AwardState.REGISTERED, registered_at, filer, "")]
        if reviewed_at:
            history.append((row["state"], reviewed_at, reviewer, row["return_reason"]))
        steps.append(history)
    created = Award.objects.bulk_create(awards, batch_size=1000)
    _write_history(created, steps)
    return created


def _write_history(awards: list[Award], steps: list[list[tuple]]) -> None:
    """One history row per step (registered, then confirmed or returned), dated when it
    happened, as if each had gone through the services."""
    Historical = Award.history.model
    names = [f.attname for f in Award._meta.concrete_fields if f.name != "updated_at"]
    records = []
    for award, history in zip(awards, steps, strict=True):
        values = {name: getattr(award, name) for name in names}
        values["evidence_file"] = award.evidence_file.name or ""
        for i, (state, at, user, reason) in enumerate(history):
            records.append(
                Historical(
                    **{
                        **values,
                        "state": state,
                        "return_reason": reason,
                        "reviewed_at": at if i else None,
                        "reviewed_by_id": user.pk if i and user else None,
                    },
                    history_date=at,
                    history_type="+" if i == 0 else "~",
                    history_user=user,
                )
            )
    Historical.objects.bulk_create(records, batch_size=500)
