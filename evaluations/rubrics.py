"""The scoring forms (評分表): the default items from DOMAIN.md and one version per year.

Defaults (*default rubric*, versioned per year; an admin changes next year's copy):

- telephone courtesy test — the commission's long-standing form (revised 97.3.3) with the
  Chiayi City weights: switchboard 45 = answering speed 25 + courtesy 20; business unit 55 =
  speed 15 + courtesy 25 + content 15;
- counter audit — environment 20, facilities 25, etiquette 35, process efficiency 20 = 100.

``rubric_for(kind, year)`` returns the year's version, creating it the first time it is needed
as a copy of the latest earlier version (or of the defaults when there is none). A version in
use by any record is frozen (``RubricItem.clean``), so a record always keeps the items and
points it was scored with.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from evaluations.choices import RubricGroup, RubricKind
from evaluations.models import Rubric, RubricItem
from tainan_rdec.roc import ROC_OFFSET

G = RubricGroup

# (group, code, label, max points)
DEFAULT_ITEMS = {
    RubricKind.PHONE: [
        (G.SWITCHBOARD, "S1", "接聽速度：鈴響4聲或等候音樂10秒內接聽", 25),
        (G.SWITCHBOARD, "S2", "問候禮貌：報出機關名稱並問候，口齒清晰、語氣親切", 10),
        (G.SWITCHBOARD, "S3", "轉接禮貌：告知轉接單位及分機、說「請稍候」，轉接順利接通", 10),
        (G.UNIT, "U1", "接聽速度：鈴響4聲或等候音樂10秒內接聽", 15),
        (G.UNIT, "U2", "問候語：報出單位名稱並問候", 8),
        (G.UNIT, "U3", "說話禮貌：口齒清晰、語氣親切，使用禮貌用語", 9),
        (G.UNIT, "U4", "結束通話：致謝並禮貌結束通話", 8),
        (G.UNIT, "U5", "答詢內容：回答具體正確，不推諉、不說「不知道」", 10),
        (G.UNIT, "U6", "忙線或非承辦業務：禮貌說明並提供替代方案（轉接、留言、回電）", 5),
    ],
    RubricKind.AUDIT: [
        (G.ENVIRONMENT, "E1", "環境整潔", 5),
        (G.ENVIRONMENT, "E2", "業務及洽公標示清楚", 5),
        (G.ENVIRONMENT, "E3", "雙語標示", 5),
        (G.ENVIRONMENT, "E4", "洽公動線順暢", 5),
        (G.FACILITIES, "F1", "服務櫃台設置適當", 4),
        (G.FACILITIES, "F2", "等候座椅", 3),
        (G.FACILITIES, "F3", "廁所整潔", 4),
        (G.FACILITIES, "F4", "哺（集）乳室", 3),
        (G.FACILITIES, "F5", "無障礙設施", 4),
        (G.FACILITIES, "F6", "飲水設備", 2),
        (G.FACILITIES, "F7", "影印設備", 2),
        (G.FACILITIES, "F8", "老花眼鏡", 1),
        (G.FACILITIES, "F9", "書寫文具", 2),
        (G.ETIQUETTE, "T1", "起身迎接服務", 6),
        (G.ETIQUETTE, "T2", "使用稱謂", 5),
        (G.ETIQUETTE, "T3", "使用「請、謝謝、對不起」", 6),
        (G.ETIQUETTE, "T4", "主動協助", 8),
        (G.ETIQUETTE, "T5", "配戴識別證", 5),
        (G.ETIQUETTE, "T6", "準時開始服務", 5),
        (G.PROCESS, "P1", "辦理流程簡便、等候時間合理", 10),
        (G.PROCESS, "P2", "說明清楚，一次告知應備文件", 10),
    ],
}


def default_title(kind: str, year: int) -> str:
    return _("{year}年度{kind}評分表").format(year=year - ROC_OFFSET, kind=RubricKind(kind).label)


def _copy_items(rubric: Rubric, source: Rubric | None) -> None:
    if source is not None:
        rows = [(i.group, i.code, i.label, i.max_points) for i in source.items.all()]
    else:
        rows = [(g, c, label, Decimal(p)) for g, c, label, p in DEFAULT_ITEMS[rubric.kind]]
    RubricItem.objects.bulk_create(
        RubricItem(rubric=rubric, group=g, code=c, label=label, max_points=p, order=i * 10)
        for i, (g, c, label, p) in enumerate(rows, start=1)
    )


def rubric_for(kind: str, year: int) -> Rubric:
    """The ``kind`` rubric of ``year``, created as a copy of the latest earlier version (or the
    defaults) when the year has none yet. Safe when two requests create it at once."""
    existing = Rubric.objects.filter(kind=kind, year=year).first()
    if existing is not None:
        return existing
    source = Rubric.objects.filter(kind=kind, year__lt=year).order_by("-year").first()
    try:
        with transaction.atomic():
            rubric = Rubric.objects.create(
                kind=kind,
                year=year,
                title=default_title(kind, year),
                note=_("複製自{title}").format(title=source.title) if source else "",
            )
            _copy_items(rubric, source)
    except IntegrityError:
        # Someone else created it between our read and our write.
        return Rubric.objects.get(kind=kind, year=year)
    return rubric


def groups_of(rubric: Rubric, items=None) -> list[dict]:
    """The rubric's items by group, in order: [{"group", "label", "items", "max_points"}]."""
    items = list(rubric.items.all()) if items is None else items
    groups: dict[str, dict] = {}
    for item in items:
        entry = groups.setdefault(
            item.group,
            {"group": item.group, "label": RubricGroup(item.group).label, "items": []},
        )
        entry["items"].append(item)
    for entry in groups.values():
        entry["max_points"] = sum((i.max_points for i in entry["items"]), Decimal(0))
    return list(groups.values())
