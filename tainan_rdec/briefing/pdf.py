"""The briefing as a PDF (WeasyPrint): A4 landscape, a cover with the contents, then one page
per part, every chapter starting on a new page; the CJK font subset embedded (the page's
``html`` names Noto Sans CJK TC, see SETUP-NOTES). One document: a briefing is a dozen pages,
which WeasyPrint lays out in seconds, so there is nothing to gain from rendering sections apart
and merging them as the meeting packets do."""

from __future__ import annotations

import logging

from django.conf import settings
from django.template.loader import render_to_string

from tainan_rdec.briefing.assemble import Briefing
from tainan_rdec.briefing.charts import laid_out

# WeasyPrint logs every layout step at INFO.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

CONTENT_TYPE = "application/pdf"


def briefing_html(briefing: Briefing) -> str:
    return render_to_string(
        "tainan_rdec/briefing/pdf.html", {"briefing": briefing, "chapters": laid_out(briefing)}
    )


def build_pdf(briefing: Briefing) -> bytes:
    from weasyprint import HTML

    return HTML(string=briefing_html(briefing), base_url=str(settings.BASE_DIR)).write_pdf()
