"""The S-curve editor's form: one row per month of the planned period (planned cumulative % and
planned cumulative allocation), and the ways of filling it that bureaus use: a column pasted
from Excel, or the S-curve sheet of the import template.

The rules are ``projects.plans``'s; each problem is shown on the row of its month.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects import plans
from projects.forms.reports import MoneyField, PercentField
from projects.models import Project
from tainan_rdec.importing import ImportFileError, ImportProblem, get_register
from tainan_rdec.importing.files import read_table
from tainan_rdec.importing.runner import header_map
from tainan_rdec.importing.widgets import MonthWidget, cell_text, fold, is_blank
from tainan_rdec.roc import format_roc_month

# An uploaded S-curve sheet holds one row a month: a few hundred rows at most.
SHEET_MAX_ROWS = 2_000

_LINES = re.compile(r"\r\n|\r|\n")


def _key(month: date) -> str:
    return f"{month:%Y%m}"


class PlanForm(forms.Form):
    """The grid of a project's planned S-curve, month by month from planned start to planned
    completion. Blank allocations count as 0."""

    paste = forms.CharField(
        label=gettext_lazy("從 Excel 貼上"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "在 Excel 選取「預定累計進度」一欄（可連同右側「預定累計分配數」一欄）複製後貼上，"
            "一個月一列，由開工月份起；可含 % 與全形數字。"
            "只貼一欄時，分配數依總核定經費按進度比例帶入。"
        ),
    )
    sheet = forms.FileField(
        label=gettext_lazy("上傳預定進度範本"),
        required=False,
        help_text=gettext_lazy("批次匯入「預定進度」名冊的範本（xlsx 或 CSV），只讀取本案的列。"),
    )

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.months = plans.project_months(project)
        for month in self.months:
            label = format_roc_month(month)
            self.fields[self.percent_name(month)] = PercentField(
                label=_("{month}預定累計進度（%）").format(month=label), required=False
            )
            self.fields[self.allocation_name(month)] = MoneyField(
                label=_("{month}預定累計分配數（元）").format(month=label), required=False
            )

    @staticmethod
    def percent_name(month: date) -> str:
        return f"percent_{_key(month)}"

    @staticmethod
    def allocation_name(month: date) -> str:
        return f"allocation_{_key(month)}"

    @classmethod
    def initial_for(cls, rows) -> dict:
        """Initial values of the grid from ``(month, percent, allocation)`` rows."""
        initial = {}
        for month, percent, allocation in rows:
            initial[cls.percent_name(month)] = percent
            initial[cls.allocation_name(month)] = allocation
        return initial

    def grid(self) -> list[dict]:
        """The rows the template draws: the month and its two bound fields."""
        return [
            {
                "month": month,
                "percent": self[self.percent_name(month)],
                "allocation": self[self.allocation_name(month)],
            }
            for month in self.months
        ]

    def rows(self) -> list[tuple[date, Decimal, int]]:
        """The months filled in (a cleaned form), as a curve."""
        rows = []
        for month in self.months:
            percent = self.cleaned_data.get(self.percent_name(month))
            if percent is None:
                continue
            allocation = self.cleaned_data.get(self.allocation_name(month)) or 0
            rows.append((month, percent, allocation))
        return rows

    def typed_rows(self) -> list[tuple[date, Decimal, int]]:
        """What can be read of the grid as typed (for the chart preview of a form with errors):
        the months whose percentage is a number."""
        field = PercentField(required=False)
        rows = []
        for month in self.months:
            try:
                percent = field.clean(self.data.get(self.add_prefix(self.percent_name(month))))
            except forms.ValidationError:
                continue
            if percent is not None:
                rows.append((month, percent, 0))
        return rows

    def check_plan(self) -> None:
        """The project's rules over the grid (``plans.plan_problems``), each problem on its
        month's row; a whole-curve problem above the grid."""
        if any(name.startswith(("percent_", "allocation_")) for name in self.errors):
            return  # a cell that is not a number says so first
        by_month = set(self.months)
        for problem in plans.plan_problems(self.project, self.rows()):
            if problem.month in by_month:
                name = (
                    self.allocation_name(problem.month)
                    if problem.field == plans.ALLOCATION
                    else self.percent_name(problem.month)
                )
                if problem.message not in self.errors.get(name, []):
                    self.add_error(name, problem.message)
            else:
                self.add_error(None, problem.message)


# -- filling the grid --------------------------------------------------------------------------


def _number(text: str) -> Decimal:
    cleaned = unicodedata.normalize("NFKC", text).strip()
    cleaned = re.sub(r"[,\s]", "", cleaned).removesuffix("%").removesuffix("元")
    return Decimal(cleaned)


def parse_pasted(text: str, project: Project) -> tuple[list[tuple[date, Decimal, int]], list[str]]:
    """A column (or two) copied from Excel: one month a line from the planned start, tab
    between columns; full-width digits, ``%``, ``元`` and thousands separators are read. A
    first column that is not a number (the month, as the sheet labels it) is skipped. Returns
    the curve and the problems (nothing is filled when there is one)."""
    months = plans.project_months(project)
    lines = _LINES.split(text or "")
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    values, problems = [], []
    for number, line in enumerate(lines, start=1):
        cells = [c.strip() for c in line.split("\t")]
        while cells and not cells[-1]:
            cells.pop()
        if len(cells) > 1:
            try:
                _number(cells[0])
            except InvalidOperation:
                cells = cells[1:]  # a label column (e.g. 113年1月)
        try:
            percent = _number(cells[0]) if cells else None
        except InvalidOperation:
            percent = None
        if percent is None or not Decimal(0) <= percent <= Decimal(100):
            problems.append(
                _("第{line}行「{text}」不是0至100的百分比數字。").format(
                    line=number, text=line.strip()
                )
            )
            continue
        allocation = None
        if len(cells) > 1:
            try:
                allocation = int(_number(cells[1]))
            except (InvalidOperation, ValueError):
                problems.append(
                    _("第{line}行的分配數「{text}」不是金額（元）。").format(
                        line=number, text=cells[1]
                    )
                )
                continue
        values.append((percent.quantize(plans.CENT), allocation))
    if not lines:
        problems.append(_("請先貼上從 Excel 複製的數字。"))
    elif not problems and len(values) != len(months):
        problems.append(
            _("貼上了{n}個月的數字，預定期程（{period}）共{m}個月，請貼上同樣的月數。").format(
                n=len(values), m=len(months), period=plans.period_text(project)
            )
        )
    if problems:
        return [], problems
    budget = project.total_budget or 0
    return [
        (
            month,
            percent,
            allocation
            if allocation is not None
            else plans.proportional_allocation(percent, budget),
        )
        for month, (percent, allocation) in zip(months, values, strict=True)
    ], []


def read_sheet(upload, project: Project) -> tuple[list[tuple[date, Decimal, int]], list[str]]:
    """The rows of ``project`` in an uploaded S-curve sheet of the import template (xlsx or
    CSV, read with the import's own safeguards). Rows naming another 列管編號 are skipped;
    months outside the planned period and figures that cannot be read are problems with their
    row number."""
    resource = get_register("scurves").resource()
    allocation_column = resource.fields["planned_allocation"].column_name
    known = header_map(resource)
    try:
        table = read_table(
            upload,
            sheet_title=resource.sheet_title(),
            known_headers=set(known),
            required=["列管編號", "月份", "預定進度"],
            name=getattr(upload, "name", ""),
            max_rows=SHEET_MAX_ROWS,
        )
    except ImportFileError as error:
        return [], [str(p) for p in error.problems]
    names = [known.get(fold(h)) for h in table.headers]
    problems = [str(p) for p in table.problems]
    for needed in ("月份", "預定進度"):
        if needed not in names:
            problems.append(_("檔案缺少「{column}」欄。").format(column=needed))
    if problems:
        return [], problems
    period = set(plans.project_months(project))
    month_widget = MonthWidget()
    percent_field = PercentField()
    money_field = MoneyField(required=False)
    rows = []
    for number, values in table.rows:
        cells = {name: value for name, value in zip(names, values, strict=True) if name}
        number_cell = cells.get("列管編號")
        if not is_blank(number_cell) and cell_text(number_cell) != project.control_number:
            continue

        def problem(column, message, row=number):
            problems.append(str(ImportProblem(message, row=row, column=column)))

        try:
            month = month_widget.clean(cells.get("月份"))
        except ValueError as error:
            problem("月份", str(error))
            continue
        if month is None:
            problem("月份", _("此欄必填。"))
            continue
        if month not in period:
            problem(
                "月份",
                _("{month}不在預定期程內（{period}）。").format(
                    month=format_roc_month(month), period=plans.period_text(project)
                ),
            )
            continue
        try:
            percent = percent_field.clean(cell_text(cells.get("預定進度")))
            allocation = money_field.clean(cell_text(cells.get(allocation_column))) or 0
        except forms.ValidationError as error:
            problem(None, " ".join(error.messages))
            continue
        rows.append((month, percent, allocation))
    if not rows and not problems:
        problems.append(
            _("檔案中沒有本案（列管編號 {number}）的預定進度。").format(
                number=project.control_number
            )
        )
    return (rows if not problems else []), problems
