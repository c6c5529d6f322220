"""Attachments of an application (申請附件) with real files: a PDF written by pypdf, an xlsx by
openpyxl, a docx, PNG and JPEG photos are kept and served back only through the scoped view;
what is not one of them (whatever it is called), too large, encrypted, with macros or a zip
bomb is refused with its Chinese reason and leaves nothing behind."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from projects import applications, attachments
from projects.models import ApplicationAttachment
from tests.permission_helpers import stored_state
from tests.projects import files
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

ONLY = "只接受PDF、Excel（xlsx）、Word（docx）、JPEG或PNG檔案。"


@pytest.fixture
def listed(cast):
    return make_project(cast["staff_a"].agency, name="東區崇學路延伸工程")


def apply_url(project):
    return f"/projects/{project.pk}/apply/suspension/"


def attach(client, project, upload):
    return client.post(
        apply_url(project), {"action": "save", "reason": "用地取得延宕", "attachment": upload}
    )


def stored_files() -> list[Path]:
    media = Path(settings.MEDIA_ROOT)
    return [path for path in media.rglob("*") if path.is_file()]


def download(client, attachment):
    response = client.get(f"/projects/applications/attachments/{attachment.pk}/")
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("data", "name", "content_type", "shown"),
    [
        (files.pdf, "核定函.pdf", attachments.PDF, "核定函.pdf"),
        (files.xlsx, "結算明細.xlsx", attachments.XLSX, "結算明細.xlsx"),
        (files.docx, "驗收證明.docx", attachments.DOCX, "驗收證明.docx"),
        (files.png, "工區.png", attachments.PNG, "工區.png"),
        # Told by its bytes, not its name: a PNG called .pdf is kept as the PNG it is.
        (files.png, "掃描檔.pdf", attachments.PNG, "掃描檔.png"),
    ],
)
def test_each_accepted_kind_is_kept_and_served_back_as_a_download(
    client_as, cast, listed, data, name, content_type, shown
):
    # Made once: a docx made again a second later holds another time in its zip headers.
    content = data()
    response = attach(client_as("staff_a"), listed, files.upload(content, name))
    assert response.status_code == 302
    attachment = ApplicationAttachment.objects.get()
    assert (attachment.name, attachment.content_type) == (shown, content_type)
    assert attachment.file.path.startswith(str(settings.MEDIA_ROOT))
    response, body = download(client_as("manager_a"), attachment)
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert len(body) == attachment.size
    if content_type == attachments.PDF:
        assert len(PdfReader(io.BytesIO(body)).pages) == 1
    elif content_type == attachments.XLSX:
        sheet = load_workbook(io.BytesIO(body)).active
        assert [c.value for c in sheet[2]] == ["主體工程", 71_000_000]
    elif content_type == attachments.DOCX:
        assert body == content
    else:
        assert Image.open(io.BytesIO(body)).format == "PNG"


def test_a_phone_photo_loses_its_position(client_as, cast, listed):
    attach(client_as("staff_a"), listed, files.upload(files.jpeg_with_gps(), "現場.jpg"))
    attachment = ApplicationAttachment.objects.get()
    _response, body = download(client_as("staff_a"), attachment)
    image = Image.open(io.BytesIO(body))
    assert image.format == "JPEG"
    assert 0x8825 not in image.getexif()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        # A text file renamed .pdf (and sent as application/pdf by the browser).
        (lambda: "核定函內容".encode(), "核定函.pdf", ONLY),
        (lambda: b"<svg xmlns='http://www.w3.org/2000/svg'/>", "圖.png", ONLY),
        (lambda: b"%PDF-1.7\nnot a pdf at all", "壞掉.pdf", "PDF檔案無法開啟或已損毀"),
        (
            lambda: files.pdf(password="1234"),
            "加密.pdf",
            "PDF檔案設有密碼保護，請移除密碼後再上傳。",
        ),
        (
            lambda: files.docx(extra={"word/vbaProject.bin": b"\0" * 64}),
            "巨集.docm.docx",
            "不接受含巨集的檔案，請另存為一般的 xlsx 或 docx 後再上傳。",
        ),
        (
            lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
            "舊版.doc",
            "不接受舊版 Office 格式（doc、xls）或加密的檔案，請另存為 docx 或 xlsx 後再上傳。",
        ),
        (lambda: b"", "空白.pdf", "上傳的檔案是空的，請重新選擇檔案。"),
    ],
)
def test_what_is_not_an_accepted_file_is_refused_in_chinese(
    client_as, cast, listed, data, name, message
):
    client = client_as("staff_a")
    before = stored_state()
    response = attach(client, listed, files.upload(data(), name, "application/pdf"))
    assert response.status_code == 200
    errors = response.context["form"].errors["attachment"]
    assert any(message in error for error in errors), errors
    assert message in response.content.decode()
    assert stored_state() == before  # no application, no attachment, no file
    assert stored_files() == []


def test_an_oversized_file_is_refused_before_it_is_read(client_as, cast, listed, settings):
    settings.APPLICATION_ATTACHMENT_MAX_BYTES = 512 * 1024
    data = files.pdf() + b"%" + b"x" * (700 * 1024)
    response = attach(client_as("staff_a"), listed, files.upload(data, "大檔.pdf"))
    assert response.context["form"].errors["attachment"] == ["附件不得超過0.5MB（這個檔案0.7MB）。"]
    assert not ApplicationAttachment.objects.exists()
    assert stored_files() == []


def test_a_zip_bomb_is_refused_without_inflating_it(client_as, cast, listed, settings):
    settings.APPLICATION_ATTACHMENT_MAX_BYTES = 1024 * 1024
    data = files.docx_declaring(12 * 1024 * 1024)
    assert len(data) < 100 * 1024
    response = attach(client_as("staff_a"), listed, files.upload(data, "報告.docx"))
    assert response.context["form"].errors["attachment"] == [
        "檔案解壓縮後過大（疑似壓縮炸彈），不予接受。"
    ]
    assert stored_files() == []


def test_ten_attachments_at_most(cast, listed):
    application = applications.save_application(
        listed, "suspension", reason="用地取得延宕", by=cast["staff_a"]
    )
    for n in range(attachments.MAX_ATTACHMENTS):
        checked = attachments.clean_attachment(files.upload(files.png(), f"{n}.png"))
        attachments.store(application, checked, by=cast["staff_a"])
    with pytest.raises(Exception, match="每件申請最多10個附件。"):
        attachments.check_upload(application, files.upload(files.png(), "11.png"))


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("staff_a", 200),
        ("manager_a", 200),
        ("reviewer", 200),
        ("manager_b", 404),  # another agency: not even told it exists
        ("staff_b", 404),
    ],
)
def test_only_those_who_see_the_application_download_it(client_as, cast, listed, who, status):
    attach(client_as("staff_a"), listed, files.upload(files.pdf(), "核定函.pdf"))
    attachment = ApplicationAttachment.objects.get()
    response = client_as(who).get(f"/projects/applications/attachments/{attachment.pk}/")
    response.close()
    assert response.status_code == status


def test_a_file_changed_on_disk_is_not_served(client_as, cast, listed):
    attach(client_as("staff_a"), listed, files.upload(files.pdf(), "核定函.pdf"))
    attachment = ApplicationAttachment.objects.get()
    Path(attachment.file.path).write_bytes(b"<html><script>alert(1)</script></html>")
    response = client_as("staff_a").get(f"/projects/applications/attachments/{attachment.pk}/")
    assert response.status_code == 404


def test_the_bureau_removes_an_attachment_while_it_holds_the_application(
    client_as, cast, listed, django_capture_on_commit_callbacks
):
    staff = client_as("staff_a")
    attach(staff, listed, files.upload(files.pdf(), "核定函.pdf"))
    attachment = ApplicationAttachment.objects.get()
    path = Path(attachment.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/projects/applications/attachments/{attachment.pk}/delete/")
    assert response.status_code == 302
    assert not ApplicationAttachment.objects.exists()
    assert not path.exists()


def test_a_sent_applications_attachments_stay(client_as, cast, listed):
    attach(client_as("staff_a"), listed, files.upload(files.pdf(), "核定函.pdf"))
    applications.submit_application(
        listed, "suspension", reason="用地取得延宕", by=cast["manager_a"]
    )
    attachment = ApplicationAttachment.objects.get()
    client = client_as("staff_a")
    before = stored_state()
    response = client.post(f"/projects/applications/attachments/{attachment.pk}/delete/")
    assert response.status_code == 403
    assert stored_state() == before
