"""The briefing as a PDF: A4 landscape, a cover and one page per part, the CJK fonts embedded,
and every row of every table, read back with pdftotext, the dashboards' figures."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import time_machine
from pypdf import PdfReader

from tests.tainan_rdec.briefing_city import TODAY, build_city
from tests.tainan_rdec.briefing_expected import expected

pytestmark = pytest.mark.django_db

A4_LANDSCAPE = (841.89, 595.28)  # points


@pytest.fixture
def briefing_pdf(cast, client_as, tmp_path) -> tuple[Path, dict]:
    build_city(cast)
    with time_machine.travel(TODAY, tick=False):
        client = client_as("official")
        response = client.get("/briefing/download.pdf")
        want = expected(client_as("reviewer"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    path = tmp_path / "briefing.pdf"
    path.write_bytes(response.content)
    return path, want


def _text(path: Path, *pages: int) -> str:
    first_last = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    return subprocess.run(
        ["pdftotext", "-layout", *first_last, str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_every_row_of_every_table_in_the_pdf_is_the_dashboards(briefing_pdf):
    path, want = briefing_pdf
    text = _text(path)
    for title, figures in want.items():
        assert title in text
        for table in figures["tables"]:
            for row in table:
                # A row reads left to right on one line, its cells apart.
                pattern = r"\s+".join(re.escape(cell) for cell in row)
                assert re.search(pattern, text), (title, row)
        for headline in figures.get("headlines", []):
            assert headline in text, (title, headline)


def test_the_pdf_is_a4_landscape_a_cover_and_one_page_per_part(briefing_pdf):
    path, want = briefing_pdf
    reader = PdfReader(path, strict=True)
    assert len(reader.pages) == 1 + len(want)
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width, 2), round(height, 2)) == A4_LANDSCAPE
    # Each part's page holds its title: nothing ran over onto a page of its own.
    for number, title in enumerate(want, start=2):
        assert title in _text(path, number), title


def test_the_pdf_embeds_its_cjk_fonts(briefing_pdf):
    path, _want = briefing_pdf
    listing = subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    assert listing
    assert all("Noto" in line and " yes yes " in line for line in listing), listing
