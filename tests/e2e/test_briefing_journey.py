"""Browser journey of issue 18: a senior official (長官) signs in and lands on the briefing of
this year, then asks for the last five complete years; a reviewer opens the briefing from the
menu and downloads it as PDF and as PowerPoint, and the deck's tables can be edited.
Screenshots at 1280 and 390 px in $E2E_SCREENSHOT_DIR."""

from __future__ import annotations

import subprocess
from io import BytesIO

import pytest
from playwright.sync_api import Page, expect
from pptx import Presentation

from tainan_rdec.briefing.assemble import default_span
from tests.e2e.conftest import log_in
from tests.tainan_rdec.briefing_city import build_city

# live_server needs real transactions; conftest's city_agencies reloads the agencies each time.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def city(cast):
    build_city(cast)


def test_an_official_lands_on_the_briefing_and_chooses_the_years(
    page: Page, live_server, city, screenshots
):
    from django.utils import timezone

    log_in(page, live_server, "official")
    this_year = timezone.localdate().year - 1911
    expect(page.get_by_role("heading", level=1, name="業務簡報")).to_be_visible()
    expect(page.locator(".lead")).to_contain_text(f"{this_year}年（資料統計至")
    for chapter in ("為民服務", "智慧管考", "前瞻基礎建設", "獎項"):
        expect(page.get_by_role("heading", level=2, name=chapter)).to_be_visible()
    # Not a petitioner in sight: the official's menu has no case list.
    expect(page.get_by_role("navigation", name="主選單")).not_to_contain_text("陳情及1999案件")
    screenshots(page, "official-home")

    span = default_span(timezone.localdate())
    page.get_by_label("起始年度（民國）").fill(str(span.first))
    page.get_by_label("結束年度（民國）").fill(str(span.last))
    page.get_by_role("button", name="產生簡報").click()
    expect(page.locator(".lead")).to_contain_text(f"{span.first}年至{span.last}年")
    cases = page.locator("#petitions-cases")
    expect(cases.get_by_role("img", name="各年度受理件數（依受理管道）")).to_be_visible()
    expect(cases.locator("tr.total")).to_contain_text("6")
    screenshots(page, "official-five-years")

    page.get_by_label("結束年度（民國）").fill(str(span.first - 1))
    page.get_by_role("button", name="產生簡報").click()
    expect(page.locator("#id_end_year_error")).to_contain_text("結束年度不可早於起始年度。")


def test_a_reviewer_downloads_the_briefing_as_pdf_and_as_an_editable_deck(
    page: Page, live_server, city, screenshots, tmp_path
):
    from django.utils import timezone

    log_in(page, live_server, "reviewer")
    page.get_by_role("navigation", name="主選單").get_by_role("link", name="業務簡報").click()
    expect(page.get_by_role("heading", level=1, name="業務簡報")).to_be_visible()
    screenshots(page, "reviewer-briefing")
    span = default_span(timezone.localdate())

    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="下載 PDF").click()
    download = pdf_download.value
    assert download.suggested_filename == f"業務簡報-{span.first}-{span.last}.pdf"
    pdf = tmp_path / "briefing.pdf"
    download.save_as(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "臺南市政府研究發展考核委員會業務簡報" in text
    assert "前瞻基礎建設八大類計畫" in text

    with page.expect_download() as deck_download:
        page.get_by_role("link", name="下載 PowerPoint").click()
    download = deck_download.value
    assert download.suggested_filename == f"業務簡報-{span.first}-{span.last}.pptx"
    deck = Presentation(download.path())
    tables = [shape for slide in deck.slides for shape in slide.shapes if shape.has_table]
    charts = [shape for slide in deck.slides for shape in slide.shapes if shape.has_chart]
    assert tables and len(charts) == 10
    # An official re-edits the deck: a cell takes new text and the deck saves and reopens.
    tables[0].table.cell(1, 1).text = "已更新"
    buffer = BytesIO()
    deck.save(buffer)
    reopened = Presentation(BytesIO(buffer.getvalue()))
    first = next(s for slide in reopened.slides for s in slide.shapes if s.has_table)
    assert first.table.cell(1, 1).text == "已更新"
