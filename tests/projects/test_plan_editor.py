"""The S-curve editor: a month-by-month grid of the planned period, filled by straight line,
S-shape, a column pasted from Excel or the import template's S-curve sheet; previewed as
server-rendered SVG; saved through ``services.create_baseline`` once the rules hold."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from projects import plans, services
from projects.models import PlanBaseline
from tainan_rdec.importing import get_register
from tainan_rdec.importing.workbooks import template_file
from tests.permission_helpers import stored_state
from tests.projects.factories import draft_project, make_project

pytestmark = pytest.mark.django_db

BUDGET = 120_000_000
MONTHS = [date(2024, m, 1) for m in range(1, 13)]


@pytest.fixture
def draft(cast):
    """工務局's draft planned 113.1–113.12 with a NT$120,000,000 budget and no curve yet."""
    return draft_project(cast["staff_a"], budget=BUDGET, curve=False)


def url(project):
    return f"/projects/{project.pk}/plan/"


def grid(percents, allocations=None):
    """The grid's POST data: one percent (and allocation) per month of 113."""
    data = {}
    for i, month in enumerate(MONTHS):
        key = f"{month:%Y%m}"
        data[f"percent_{key}"] = percents[i] if i < len(percents) else ""
        data[f"allocation_{key}"] = allocations[i] if allocations else ""
    return data


def shown(response):
    """The grid as the page shows it: month key -> (percent, allocation) as in the inputs."""
    form = response.context["form"]
    return {
        month: (
            form[form.percent_name(month)].value(),
            form[form.allocation_name(month)].value(),
        )
        for month in form.months
    }


def curve_path(response) -> list[str]:
    """The points of the previewed line in the page's SVG."""
    page = response.content.decode()
    match = re.search(r'<path class="s-curve-line s-curve-current" d="([^"]*)"', page)
    return match.group(1).split() if match else []


def ramp(n=12):
    return [str(round(100 * (i + 1) / n, 2)) for i in range(n)]


# -- the grid --------------------------------------------------------------------------------


def test_the_grid_has_every_month_of_the_planned_period(client_as, cast):
    project = draft_project(cast["staff_a"], start=date(2024, 11, 15), end=date(2025, 2, 10))
    response = client_as("staff_a").get(url(project))
    assert response.context["form"].months == [
        date(2024, 11, 1),
        date(2024, 12, 1),
        date(2025, 1, 1),
        date(2025, 2, 1),
    ]
    page = response.content.decode()
    for label in ("113年11月", "113年12月", "114年1月", "114年2月"):
        assert f"{label}預定累計進度（%）" in page  # each input has its label


def test_the_grid_shows_the_saved_curve(client_as, cast):
    project = draft_project(cast["staff_a"], budget=BUDGET)
    response = client_as("staff_a").get(url(project))
    assert shown(response)[date(2024, 1, 1)] == (Decimal("8.33"), 10_000_000)
    assert 'value="10,000,000"' in response.content.decode()
    assert len(curve_path(response)) == 12


# -- fill helpers (without JavaScript: the server fills the grid) -----------------------------


def test_straight_line_fills_every_month_evenly(client_as, draft):
    response = client_as("staff_a").post(url(draft), {"action": "line"})
    values = shown(response)
    assert values[date(2024, 1, 1)] == (Decimal("8.33"), 10_000_000)
    assert values[date(2024, 6, 1)] == (Decimal("50.00"), 60_000_000)
    assert values[date(2024, 12, 1)] == (Decimal("100.00"), BUDGET)
    assert len(curve_path(response)) == 12
    assert not PlanBaseline.objects.filter(project=draft).exists()  # filled, not saved


def test_s_shape_starts_slow_and_ends_slow(client_as, draft):
    response = client_as("staff_a").post(url(draft), {"action": "s_shape"})
    percents = [p for p, _a in shown(response).values()]
    assert percents[0] == Decimal("1.97")
    assert percents[5] == Decimal("50.00")
    assert percents[-1] == Decimal("100.00")
    steps = [b - a for a, b in zip([Decimal(0), *percents], percents, strict=False)]
    assert steps[0] < steps[5] > steps[-1]


def test_a_column_pasted_from_excel_fills_the_grid(client_as, draft):
    # As Excel copies it: tab between columns, CRLF between rows, a label column, % signs,
    # full-width digits from a Chinese IME, thousands separators, a trailing empty line.
    lines = [
        f"113年{m}月\t{p}%\t{int(BUDGET * float(p) / 100):,}" for m, p in enumerate(ramp(), start=1)
    ]
    lines[2] = "113年3月\t２５％\t３０，０００，０００"
    response = client_as("staff_a").post(
        url(draft), {"action": "paste", "paste": "\r\n".join(lines) + "\r\n"}
    )
    values = shown(response)
    assert values[date(2024, 3, 1)] == (Decimal("25.00"), 30_000_000)
    assert values[date(2024, 12, 1)] == (Decimal("100.00"), BUDGET)


def test_one_pasted_column_gives_allocations_in_proportion(client_as, draft):
    response = client_as("staff_a").post(
        url(draft), {"action": "paste", "paste": "\n".join(ramp())}
    )
    assert shown(response)[date(2024, 6, 1)] == (Decimal("50.00"), 60_000_000)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "\n".join(ramp(10)),
            "貼上了10個月的數字，預定期程（113年1月至113年12月）共12個月，請貼上同樣的月數。",
        ),
        ("10\n二十\n30", "第2行「二十」不是0至100的百分比數字。"),
        ("10\n120%", "第2行「120%」不是0至100的百分比數字。"),
        ("10\t一千萬", "第1行的分配數「一千萬」不是金額（元）。"),
        ("", "請先貼上從 Excel 複製的數字。"),
    ],
    ids=["count", "words", "over-100", "money-words", "empty"],
)
def test_pasted_text_that_cannot_be_read_is_refused_by_the_box(client_as, cast, text, message):
    project = draft_project(cast["staff_a"], budget=BUDGET)  # with a saved straight line
    response = client_as("staff_a").post(url(project), {"action": "paste", "paste": text})
    assert response.context["form"].errors["paste"] == [message]
    assert message in response.content.decode()
    # The saved curve stays on the grid beside the message.
    assert str(shown(response)[date(2024, 1, 1)][0]) == "8.33"


def template_upload(rows, *, name="預定進度範本.xlsx"):
    """The import template of the S-curve register as downloaded, filled in below its example
    row the way a bureau does."""
    made = template_file(get_register("scurves").resource(), fmt="xlsx")
    with made.handle:
        workbook = load_workbook(BytesIO(made.handle.read()))
    sheet = workbook["預定進度"]
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def test_the_template_s_curve_sheet_fills_the_grid(client_as, draft, agency_b):
    other = make_project(agency_b)
    rows = [
        [draft.control_number, f"113/{m:02d}", p, int(BUDGET * float(p) / 100), ""]
        for m, p in enumerate(ramp(), start=1)
    ]
    rows.append([other.control_number, "113/01", 50, 0, ""])  # another project: not read
    response = client_as("staff_a").post(
        url(draft), {"action": "upload", "sheet": template_upload(rows)}
    )
    values = shown(response)
    assert values[date(2024, 2, 1)] == (Decimal("16.67"), 20_004_000)
    assert values[date(2024, 12, 1)] == (Decimal("100"), BUDGET)


def test_a_template_row_outside_the_period_is_named_by_its_row(client_as, draft):
    rows = [
        [draft.control_number, "113/01", 10, 0, ""],
        [draft.control_number, "114/01", 100, 0, ""],
    ]
    response = client_as("staff_a").post(
        url(draft), {"action": "upload", "sheet": template_upload(rows)}
    )
    assert response.context["form"].errors["sheet"] == [
        "第4列「月份」：114年1月不在預定期程內（113年1月至113年12月）。"
    ]


def test_a_file_that_is_not_a_workbook_is_refused(client_as, draft):
    response = client_as("staff_a").post(
        url(draft),
        {"action": "upload", "sheet": SimpleUploadedFile("curve.xlsx", b"not a workbook")},
    )
    assert response.context["form"].errors["sheet"] == [
        "檔名是 .xlsx，但內容不是 Excel 活頁簿，請確認檔案。"
    ]


def test_a_template_without_this_project_says_so(client_as, draft):
    response = client_as("staff_a").post(
        url(draft), {"action": "upload", "sheet": template_upload([])}
    )
    assert response.context["form"].errors["sheet"] == [
        f"檔案中沒有本案（列管編號 {draft.control_number}）的預定進度。"
    ]


# -- preview and save ------------------------------------------------------------------------


def test_the_preview_draws_the_typed_curve_without_javascript(client_as, draft):
    response = client_as("staff_a").post(url(draft), {"action": "preview", **grid(ramp()[:6])})
    points = curve_path(response)
    assert len(points) == 6  # the months typed so far
    assert points[0].startswith("M52,")
    # The axis spans the whole planned period, so the line stops halfway across.
    assert float(points[-1][1:].split(",")[0]) < 720 / 2 + 26
    assert not PlanBaseline.objects.filter(project=draft).exists()


def test_saving_makes_the_first_baseline(client_as, cast, draft):
    response = client_as("staff_a").post(
        url(draft),
        {"action": "save", **grid(ramp(), [f"{10_000_000 * (i + 1):,}" for i in range(12)])},
    )
    assert response.status_code == 302
    baseline = PlanBaseline.objects.get(project=draft)
    assert (baseline.version, baseline.is_current, baseline.created_by) == (
        1,
        True,
        cast["staff_a"],
    )
    assert list(baseline.points.values_list("month", "planned_percent", "planned_allocation"))[
        -1
    ] == (date(2024, 12, 1), Decimal("100.00"), BUDGET)
    assert services.listing_problems(draft) == []


def test_saving_a_draft_again_replaces_its_curve(client_as, draft):
    client = client_as("staff_a")
    client.post(url(draft), {"action": "line"})
    client.post(url(draft), {"action": "save", **grid(ramp())})
    client.post(url(draft), {"action": "save", **grid(["0", "0", *ramp(10)])})
    baseline = PlanBaseline.objects.get(project=draft)  # still one: a draft has no versions
    assert baseline.version == 1
    assert baseline.points.get(month=date(2024, 2, 1)).planned_percent == 0


@pytest.mark.parametrize(
    ("percents", "allocations", "field", "message"),
    [
        (
            ["10", "30", "20", *ramp()[3:]],
            None,
            "percent_202403",
            "113年3月的累計數不得小於前一個月。",
        ),
        ([*ramp()[:11], "95"], None, "percent_202412", "預定進度最後一個月須為100%。"),
        (
            [*ramp()[:4], "", *ramp()[5:]],
            None,
            "percent_202405",
            "請填寫113年5月的預定累計進度。",
        ),
        (
            ramp(),
            [*["0"] * 11, "130,000,000"],
            "allocation_202412",
            "113年12月的預定累計分配數130,000,000元，超過總核定經費120,000,000元。",
        ),
        (
            ramp(),
            ["50", "40", *["60"] * 10],
            "allocation_202402",
            "113年2月的累計數不得小於前一個月。",
        ),
        (["10", "abc", *ramp()[2:]], None, "percent_202402", "請以數字輸入進度百分比，例如 45.5。"),
    ],
    ids=["decreasing", "not-100", "missing-month", "above-budget", "money-down", "not-a-number"],
)
def test_each_curve_rule_shows_on_its_month(
    client_as, draft, percents, allocations, field, message
):
    client = client_as("staff_a")
    before = stored_state()
    response = client.post(url(draft), {"action": "save", **grid(percents, allocations)})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert stored_state() == before


def test_the_editor_is_closed_once_the_project_is_listed(client_as, agency_a):
    project = make_project(agency_a)
    client = client_as("staff_a")
    before = stored_state()
    assert client.get(url(project)).status_code == 403
    assert client.post(url(project), {"action": "save", **grid(ramp())}).status_code == 403
    assert stored_state() == before


def test_the_page_loads_its_script_from_the_portal(client_as, draft):
    page = client_as("staff_a").get(url(draft)).content.decode()
    assert '<script src="/static/js/scurve-editor.js" defer></script>' in page


def test_shapes_end_at_the_budget_and_never_decrease():
    for shape in (plans.straight_line, plans.s_shape):
        for n in (1, 2, 7, 36):
            months = plans.period_months(
                date(2024, 1, 1), date(2024 + n // 12, (n - 1) % 12 + 1, 1)
            )
            rows = shape(months, 99_999_999)
            assert plans.curve_problems(rows) == [], (shape.__name__, n)
            assert rows[-1][1:] == (Decimal("100.00"), 99_999_999)
