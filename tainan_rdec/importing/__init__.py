"""Bulk import and export of the portal's registers (名冊), shared by every app.

Every register (agencies, users, the working-day calendar, projects, milestones, S-curves,
monthly reports, directives, petition categories, cases, ...) is a django-import-export
resource with Chinese column headers, foreign keys by natural key (agency code, control number,
case number; never database ids), ROC or ISO dates, and the edit forms' validation. One path
imports them all (``runner.run_import``), used by the admin's upload → dry-run preview →
confirm pages, by ``manage.py import_records REGISTER FILE [--dry-run]`` and by the background
task for big files:

- ``files``: reads xlsx/csv safely (size limits, zip bombs, XML entities, merged cells, the
  register's sheet, empty rows, the header row) keeping the spreadsheet's row numbers;
- ``runner``: headers, the template's example row, duplicates inside the file, then every row
  through the resource in one transaction — any problem anywhere writes nothing;
- ``problems``: errors the way users read them, "第12列「實際進度」：…";
- ``widgets`` / ``base``: the cell readers and the resource base class (``Column``,
  ``RegisterResource``);
- ``workbooks``: exports (xlsx, csv, formula injection escaped) and the downloadable templates;
- ``admin``: the admin pages; ``registry``: the table of registers.

Adding a register takes a few lines in the app's ``resources.py`` (the kernel imports each
app's ``resources`` module on first use, never at import time)::

    from django.utils.translation import gettext_lazy as _
    from tainan_rdec.importing import Column, RegisterResource, register
    from tainan_rdec.importing.widgets import ChoiceWidget, DateWidget, NaturalKeyWidget

    @register("awards", label=_("獎項"), order=90)
    class AwardResource(RegisterResource):
        agency = Column("agency", "機關代碼", NaturalKeyWidget(Agency, "code", also=["name"]),
                        required=True, example="B06")
        name = Column("name", "獎項名稱", required=True, example="國家卓越建設獎")
        award_class = Column("award_class", "獎項類別", ChoiceWidget(AwardClass),
                             required=True, example="國內大獎")
        date = Column("date", "獲獎日期", DateWidget(), required=True, example="113/03/26")

        class Meta:
            model = Award
            fields = ("agency", "name", "award_class", "date")
            import_id_fields = ("agency", "name", "date")   # the natural key

        def check_row(self, instance, row):
            ...  # the edit form's extra rules; raise ValidationError({"field": "…"})

then, for the admin pages, mix ``RegisterAdminMixin`` into the model's admin with
``import_register = "awards"``. The register is then in ``import_records``, the admin's
import / template / export pages, and the round-trip tests' reach.
"""

from tainan_rdec.importing.base import ROW_NUMBER_COLUMN, Column, RegisterResource
from tainan_rdec.importing.problems import ImportFileError, ImportProblem
from tainan_rdec.importing.registry import (
    Register,
    UnknownRegister,
    all_registers,
    get_register,
    register,
)

__all__ = [
    "ROW_NUMBER_COLUMN",
    "Column",
    "ImportFileError",
    "ImportProblem",
    "Register",
    "RegisterResource",
    "UnknownRegister",
    "all_registers",
    "get_register",
    "register",
]
