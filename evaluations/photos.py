"""Photos taken at an audited counter (稽核照片).

The same rules as the project photos (``projects.photos``), kept here because apps do not import
each other: a JPEG or PNG as Pillow reads it from the bytes (not the file name or the browser's
Content-Type), within the size and pixel limits, re-encoded without EXIF (the camera's rotation
applied first) so a phone's GPS position never reaches the disk. Photos are streamed by
``evaluations.views.records.audit_photo_file`` after the same scoping as the audit.
"""

from __future__ import annotations

import io
import uuid
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_PIXELS = 50_000_000
MAX_CAPTION_LENGTH = 200
FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png")}
_SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def _invalid_format() -> ValidationError:
    return ValidationError({"image": _("只接受JPEG或PNG格式的照片。")}, code="format")


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        {
            "image": _("照片解析度過高（超過{limit}萬像素），請縮小後再上傳。").format(
                limit=MAX_PHOTO_PIXELS // 10_000
            )
        },
        code="pixels",
    )


def clean_photo(file) -> ContentFile:
    """``file`` (an upload) checked and re-encoded without EXIF; ValidationError otherwise."""
    if file.size > MAX_PHOTO_BYTES:
        raise ValidationError(
            {"image": _("照片不得超過{limit}MB。").format(limit=MAX_PHOTO_BYTES // 1024 // 1024)},
            code="size",
        )
    if not file.size:
        raise _invalid_format()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            file.seek(0)
            with Image.open(file, formats=list(FORMATS)) as probe:
                if probe.width * probe.height > MAX_PHOTO_PIXELS:
                    raise _too_many_pixels()
                probe.verify()
            file.seek(0)
            with Image.open(file, formats=list(FORMATS)) as image:
                image.load()
                fmt = image.format
                ImageOps.exif_transpose(image, in_place=True)
                keep = {
                    k: image.info[k] for k in ("icc_profile", "transparency") if k in image.info
                }
                image.info = {}
                output = io.BytesIO()
                image.save(output, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}), **keep)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _invalid_format() from None
    extension, _content_type = FORMATS[fmt]
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.{extension}")


def clean_caption(caption: str) -> str:
    caption = (caption or "").strip()
    if len(caption) > MAX_CAPTION_LENGTH:
        raise ValidationError(
            {"caption": _("照片說明不得超過{limit}字。").format(limit=MAX_CAPTION_LENGTH)}
        )
    return caption


def content_type(handle) -> str | None:
    """The Content-Type of a stored photo from its first bytes (None if neither format)."""
    handle.seek(0)
    head = handle.read(8)
    handle.seek(0)
    for signature, media_type in _SIGNATURES.items():
        if head.startswith(signature):
            return media_type
    return None
