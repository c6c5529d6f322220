"""The case maps (案件地圖): the points the case list and the event view draw, one colour per
category, each opening its case.

The map is an addition to the table, not a replacement: the table on the same page holds the
same cases and stays the accessible way to read them. What a map may show is what the user may
see (the caller passes a ``visible_to`` queryset); a point carries the case number, its category
and status and when it was received — never the petitioner, the address or the description.

Coordinates outside Tainan (DOMAIN.md: ≈ 22.88–23.41 N, 120.03–120.65 E) are data errors: such
cases are not drawn but counted, as are cases without coordinates. At most ``MAX_POINTS`` of the
latest cases are drawn (a browser draws a few thousand clustered markers briskly; the whole
five-year table would not be a map anyone reads): the page says so and the filters narrow it.
Three queries whatever the number of cases: the categories, the points, and the counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from petitions.choices import CaseStatus
from petitions.models import Category
from tainan_rdec.choices import BUREAU_ROLES, COMMISSION_ROLES
from tainan_rdec.roc import format_roc_date

# The city's extent, south, north, west, east (DOMAIN.md, Wave 2 reference).
SOUTH, NORTH = Decimal("22.88"), Decimal("23.41")
WEST, EAST = Decimal("120.03"), Decimal("120.65")
CENTRE = (23.00, 120.21)
MAX_POINTS = 5_000

# One colour per category, in the categories' order: distinct for the common forms of colour
# blindness (Okabe–Ito first), and each dark enough against the map's white marker outline.
PALETTE = (
    "#0072b2",
    "#d55e00",
    "#009e73",
    "#cc79a7",
    "#8a6d00",
    "#56b4e9",
    "#7f3c8d",
    "#b2182b",
    "#1b1b1b",
    "#4d7f17",
    "#9c4a00",
    "#00606b",
)

# Who may see a map: the agencies and the commission, who may open the cases it links to; a
# senior official reads the statistics, not the cases (as on the case list).
MAP_ROLES = BUREAU_ROLES | COMMISSION_ROLES


def may_map_cases(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in MAP_ROLES)


INSIDE = Q(
    latitude__gte=SOUTH,
    latitude__lte=NORTH,
    longitude__gte=WEST,
    longitude__lte=EAST,
)
LOCATED = Q(latitude__isnull=False, longitude__isnull=False)


@dataclass(frozen=True)
class LegendEntry:
    category_id: int
    name: str
    colour: str


def legend() -> list[LegendEntry]:
    """Every category with its colour (one query), in the categories' own order."""
    categories = Category.objects.order_by("sort_order", "name").values_list("pk", "name")
    return [
        LegendEntry(pk, name, PALETTE[index % len(PALETTE)])
        for index, (pk, name) in enumerate(categories)
    ]


def is_inside(latitude, longitude) -> bool:
    """Whether a point is within the city's extent (a point outside is a data error)."""
    return SOUTH <= Decimal(latitude) <= NORTH and WEST <= Decimal(longitude) <= EAST


def map_points(cases, *, limit: int = MAX_POINTS) -> dict:
    """The map of ``cases`` (a queryset the user may see, filtered as the page is): the latest
    ``limit`` cases inside the city, the counts of the ones not drawn, the legend and a
    sentence saying what is drawn. JSON-ready."""
    entries = legend()
    colours = {entry.category_id: entry.colour for entry in entries}
    names = {entry.category_id: entry.name for entry in entries}
    statuses = dict(CaseStatus.choices)
    rows = list(
        cases.filter(LOCATED & INSIDE)
        .order_by("-received_at", "-pk")
        .values_list(
            "case_number", "latitude", "longitude", "category_id", "status", "received_at"
        )[: limit + 1]
    )
    capped = len(rows) > limit
    rows = rows[:limit]
    counts = cases.aggregate(
        outside=Count("pk", filter=LOCATED & ~INSIDE),
        missing=Count("pk", filter=~LOCATED),
    )
    points = [
        {
            "number": number,
            "lat": float(latitude),
            "lng": float(longitude),
            "category": category_id,
            "colour": colours.get(category_id, PALETTE[-1]),
            "label": _("{number}｜{category}｜{status}｜{day}受理").format(
                number=number,
                category=names.get(category_id, ""),
                status=statuses.get(status, status),
                day=format_roc_date(received_at),
            ),
            "url": reverse("petitions:case_detail", args=[number]),
        }
        for number, latitude, longitude, category_id, status, received_at in rows
    ]
    drawn = {point["category"] for point in points}
    return {
        "points": points,
        "shown": len(points),
        "capped": capped,
        "outside": counts["outside"],
        "missing": counts["missing"],
        "summary": summary(len(points), capped, counts["outside"], counts["missing"]),
        "legend": [
            {"category": e.category_id, "name": e.name, "colour": e.colour}
            for e in entries
            if e.category_id in drawn
        ],
        "centre": CENTRE,
        "bounds": [[float(SOUTH), float(WEST)], [float(NORTH), float(EAST)]],
    }


def page_map(source: str, *, open_at_start: bool = False) -> dict:
    """What a page's map needs (``templates/petitions/includes/case_map.html``): where its points
    come from, and the base layer (``settings.MAP_TILE_URL``; empty: none)."""
    return {
        "source": source,
        "open": open_at_start,
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
    }


def summary(shown: int, capped: bool, outside: int, missing: int) -> str:
    """What the map draws, in a sentence (read out by screen readers as the map loads)."""
    parts = [
        _("地圖顯示最新 {n} 件案件（超過上限，請以篩選條件縮小範圍）。").format(n=f"{shown:,}")
        if capped
        else _("地圖顯示 {n} 件案件。").format(n=f"{shown:,}")
    ]
    if outside:
        parts.append(
            _("另有 {n} 件座標在臺南市範圍外，屬資料錯誤，未繪製。").format(n=f"{outside:,}")
        )
    if missing:
        parts.append(_("{n} 件未填座標。").format(n=f"{missing:,}"))
    return "".join(parts)
