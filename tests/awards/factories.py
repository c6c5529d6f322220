"""Small builders for awards tests: an award row and files an agency might upload."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from itertools import count

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from awards.choices import AwardClass, AwardState
from awards.models import Award

_numbers = count(1)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_award(
    agency,
    *,
    roc_year=112,
    award_class=AwardClass.MERIT,
    state=AwardState.CONFIRMED,
    is_top=False,
    **extra,
) -> Award:
    """An award written straight to the table (no service rules), for setting up a scene."""
    number = next(_numbers)
    if state == AwardState.CONFIRMED:
        extra.setdefault("reviewed_at", timezone.now())
    if state == AwardState.RETURNED:
        extra.setdefault("return_reason", "佐證文件不足")
        extra.setdefault("reviewed_at", timezone.now())
    return Award.objects.create(
        agency=agency,
        roc_year=roc_year,
        award_date=extra.pop("award_date", date(roc_year + 1911, 6, 1)),
        name=extra.pop("name", f"測試獎項第{number}號"),
        awarding_body=extra.pop("awarding_body", "國家發展委員會"),
        award_class=award_class,
        is_top=is_top,
        state=state,
        **extra,
    )


def pdf_upload(name="證書.pdf", content=PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, "application/pdf")


def png_bytes() -> bytes:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (8, 8), "#1f4e79").save(buffer, "PNG")
    return buffer.getvalue()


def form_data(**overrides) -> dict:
    """A valid register/edit form as a browser sends it."""
    data = {
        "roc_year": "112",
        "award_date": "112.11.20",
        "name": "政府服務獎",
        "awarding_body": "國家發展委員會",
        "award_class": AwardClass.NATIONAL.value,
        "is_top": "on",
        "project_number": "",
        "evidence_url": "https://www.ndc.gov.tw/News.aspx?n=award",
        "note": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
