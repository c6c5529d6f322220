"""What went wrong with an import, in the users' words: "第12列「實際進度」：…"."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class ImportProblem:
    """One problem: with a row (the spreadsheet's row number, the header being row 1) and a
    column when it has them, or about the whole file."""

    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        if self.row is not None and self.column:
            return _("第{row}列「{column}」：{message}").format(
                row=self.row, column=self.column, message=self.message
            )
        if self.row is not None:
            return _("第{row}列：{message}").format(row=self.row, message=self.message)
        if self.column:
            return _("「{column}」欄：{message}").format(column=self.column, message=self.message)
        return self.message

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportFileError(Exception):
    """The file cannot be read as this register at all (size, format, sheet, headers)."""

    def __init__(self, problems: list[ImportProblem] | ImportProblem | str):
        if isinstance(problems, str):
            problems = [ImportProblem(problems)]
        elif isinstance(problems, ImportProblem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class ImportCancelled(Exception):
    """Someone stopped the import; everything it did is rolled back."""
