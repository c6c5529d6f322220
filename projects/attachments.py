"""Documents and photos attached to an application (申請附件): the rules of what is kept.

Accepted: PDF, Excel (xlsx), Word (docx), JPEG and PNG — told by the file's bytes, never by its
name or the browser's Content-Type — and each opened for real before it is kept:

- PDF: starts ``%PDF-`` and pypdf reads its page tree; a password-protected one is refused
  (the commission could not read it).
- xlsx / docx: a zip whose parts say which it is (``[Content_Types].xml`` and the workbook or
  document part), its declared unzipped size bounded before anything is inflated (a zip bomb
  is refused without inflating it), every part's checksum verified; a workbook is opened with
  openpyxl, a document's main part parsed with defusedxml (no entities). Macros (a
  ``vbaProject.bin``) are refused, and so are the old binary formats (doc, xls).
- JPEG / PNG: the kernel's photo rules (``tainan_rdec.photos.clean_photo``): decoded and
  re-encoded without EXIF (a phone photo's position never reaches the disk).

The size limit is ``APPLICATION_ATTACHMENT_MAX_BYTES`` (settings). Stored files get a random
name under ``MEDIA_ROOT/applications/`` and are served only through the application's scoped
view, as a download, with the type found here.
"""

from __future__ import annotations

import io
import unicodedata
import uuid
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import defusedxml.ElementTree
from defusedxml import DefusedXmlException
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from projects.models import Application, ApplicationAttachment
from tainan_rdec import photos

#: Attachments one application may carry.
MAX_ATTACHMENTS = 10
#: What the parts of an xlsx or docx may add up to unzipped, in multiples of the size limit:
#: far above a real document (text compresses to a fifth or so), far below what would fill a
#: disk or memory.
UNZIPPED_TIMES_LIMIT = 10
MAX_ZIP_MEMBERS = 5_000
MAX_NAME_LENGTH = 150

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
JPEG = "image/jpeg"
PNG = "image/png"
#: Content-Type -> the stored file's extension.
EXTENSIONS = {PDF: "pdf", XLSX: "xlsx", DOCX: "docx", JPEG: "jpg", PNG: "png"}
# The main parts' content types as [Content_Types].xml declares them.
_XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # doc, xls, ppt (and an encrypted docx/xlsx)
FIELD = "attachment"


def max_bytes() -> int:
    return settings.APPLICATION_ATTACHMENT_MAX_BYTES


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f}".rstrip("0").rstrip(".")


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError({FIELD: [message]}, code=code)


def _not_accepted() -> ValidationError:
    return _refuse(_("只接受PDF、Excel（xlsx）、Word（docx）、JPEG或PNG檔案。"), "format")


@dataclass
class Checked:
    """An upload that passed the rules, ready to be stored."""

    content: ContentFile
    name: str
    content_type: str
    size: int


def display_name(original: str, content_type: str) -> str:
    """The name the attachment is shown and downloaded under: the uploaded name's stem (no
    folders, no control characters, shortened) with the extension of what the file is."""
    stem = PurePath((original or "").replace("\\", "/")).stem
    stem = "".join(c for c in stem if unicodedata.category(c)[0] != "C").strip(" .")
    stem = stem[:MAX_NAME_LENGTH] or _("附件")
    return f"{stem}.{EXTENSIONS[content_type]}"


def _check_pdf(data: bytes) -> None:
    unreadable = _refuse(_("PDF檔案無法開啟或已損毀，請重新產生PDF後再上傳。"), "unreadable")
    try:
        with warnings.catch_warnings():
            # pypdf warns about what it can read past; only what it cannot read matters here.
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise _refuse(_("PDF檔案設有密碼保護，請移除密碼後再上傳。"), "encrypted")
            if len(reader.pages) == 0:
                raise unreadable
    except ValidationError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError):
        # pypdf reports a malformed file with any of these.
        raise unreadable from None


def _check_office(data: bytes) -> str:
    """The Content-Type of an xlsx or docx in ``data``; ValidationError for anything else."""
    unreadable = _refuse(
        _("檔案無法開啟或已損毀，請以 Excel 或 Word 重新存檔（xlsx、docx）後再上傳。"),
        "unreadable",
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise unreadable from None
    with archive:
        members = archive.infolist()
        names = {info.filename for info in members}
        if (
            len(members) > MAX_ZIP_MEMBERS
            or sum(info.file_size for info in members) > UNZIPPED_TIMES_LIMIT * max_bytes()
        ):
            raise _refuse(_("檔案解壓縮後過大（疑似壓縮炸彈），不予接受。"), "zip_bomb")
        if "[Content_Types].xml" not in names:
            raise _not_accepted()
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            raise _refuse(_("不接受含巨集的檔案，請另存為一般的 xlsx 或 docx 後再上傳。"), "macro")
        try:
            if archive.testzip() is not None:  # every part's checksum
                raise unreadable
            declared = archive.read("[Content_Types].xml")
            if "xl/workbook.xml" in names and _XLSX_MAIN in declared:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # openpyxl warns about unknown extensions
                    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
                    workbook.sheetnames  # noqa: B018  (the workbook part parsed)
                    workbook.close()
                return XLSX
            if "word/document.xml" in names and _DOCX_MAIN in declared:
                defusedxml.ElementTree.fromstring(archive.read("word/document.xml"))
                return DOCX
        except ValidationError:
            raise
        except (
            zipfile.BadZipFile,
            DefusedXmlException,
            defusedxml.ElementTree.ParseError,
            KeyError,
            ValueError,
            TypeError,
            OSError,
            EOFError,
        ):
            raise unreadable from None
    raise _not_accepted()


def clean_attachment(file) -> Checked:
    """``file`` (an upload) checked as the module docstring says; ValidationError on the
    ``attachment`` field, in Chinese, if it is refused."""
    size = file.size
    if size > max_bytes():
        raise _refuse(
            _("附件不得超過{limit}MB（這個檔案{size}MB）。").format(
                limit=_megabytes(max_bytes()), size=_megabytes(size)
            ),
            "size",
        )
    if not size:
        raise _refuse(_("上傳的檔案是空的，請重新選擇檔案。"), "empty")
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if any(head.startswith(signature) for signature in (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")):
        try:
            image = photos.clean_photo(file)
        except ValidationError as error:
            raise _refuse(" ".join(error.messages), error.code or "format") from None
        content_type = JPEG if image.name.endswith(".jpg") else PNG
        data = image.read()
    elif head.startswith(b"%PDF-"):
        data = file.read()
        _check_pdf(data)
        content_type = PDF
    elif head.startswith(b"PK\x03\x04"):
        data = file.read()
        content_type = _check_office(data)
    elif head.startswith(_OLE):
        raise _refuse(
            _("不接受舊版 Office 格式（doc、xls）或加密的檔案，請另存為 docx 或 xlsx 後再上傳。"),
            "legacy",
        )
    else:
        raise _not_accepted()
    extension = EXTENSIONS[content_type]
    return Checked(
        content=ContentFile(data, name=f"{uuid.uuid4().hex}.{extension}"),
        name=display_name(getattr(file, "name", ""), content_type),
        content_type=content_type,
        size=len(data),
    )


def check_upload(application: Application, file) -> Checked:
    """The rules for one more attachment on ``application``: the count, then the file."""
    if application.pk is not None and application.attachments.count() >= MAX_ATTACHMENTS:
        raise _refuse(_("每件申請最多{limit}個附件。").format(limit=MAX_ATTACHMENTS), "too_many")
    return clean_attachment(file)


def store(application: Application, checked: Checked, *, by) -> ApplicationAttachment:
    """Keep a checked upload with ``application`` (the caller decided ``by`` may)."""
    return ApplicationAttachment.objects.create(
        application=application,
        file=checked.content,
        name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=by,
    )


@transaction.atomic
def remove(attachment: ApplicationAttachment) -> None:
    """Take an attachment off its application; the file goes once the deletion is committed.
    (The caller decided the user may change the application.)"""
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))


def stored_type(handle) -> str | None:
    """The Content-Type of a stored attachment from its first bytes (None if it is not one
    of the accepted kinds); ``handle`` is left at the start."""
    handle.seek(0)
    head = handle.read(8)
    handle.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return "zip"  # xlsx or docx: the row's content_type, checked on upload, says which
    return photos.content_type(handle)
