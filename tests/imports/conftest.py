"""Fixtures for the import/export tests: real files written by openpyxl and csv, imports run
as the cast's admin."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook


@pytest.fixture
def write_xlsx(tmp_path):
    """``write_xlsx(headers, rows, sheet="列管案件", name="x.xlsx", before=None)`` writes a real
    workbook and returns its path; ``before(workbook, sheet)`` may change it before saving."""

    def write(headers, rows, *, sheet=None, name="data.xlsx", before=None) -> Path:
        workbook = Workbook()
        worksheet = workbook.active
        if sheet:
            worksheet.title = sheet
        if headers is not None:
            worksheet.append(list(headers))
        for row in rows:
            worksheet.append(list(row))
        if before is not None:
            before(workbook, worksheet)
        path = tmp_path / name
        workbook.save(path)
        return path

    return write


@pytest.fixture
def write_csv(tmp_path):
    def write(headers, rows, *, name="data.csv", encoding="utf-8-sig") -> Path:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        writer.writerows(rows)
        path = tmp_path / name
        path.write_bytes(buffer.getvalue().encode(encoding))
        return path

    return write


def read_xlsx(data: bytes, sheet=None) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    rows = [tuple(r) for r in worksheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def cell_texts(data: bytes, fmt: str) -> list[str]:
    """Every cell of an exported file as text, every sheet of a workbook: what a reader of the
    file sees. (An xlsx is a zip: its compressed bytes never show a name.)"""
    if fmt == "csv":
        rows = read_csv(data)
    else:
        workbook = load_workbook(io.BytesIO(data), read_only=True)
        rows = [row for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)]
        workbook.close()
    return [str(value) for row in rows for value in row if value not in (None, "")]


def carries(data: bytes, fmt: str, secret: str) -> bool:
    """Whether any cell of the exported file holds ``secret``."""
    return any(secret in text for text in cell_texts(data, fmt))


def messages(outcome) -> list[str]:
    return [str(p) for p in outcome.problems]
