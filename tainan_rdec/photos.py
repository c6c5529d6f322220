"""Photos the portal keeps (site visits, monthly reports, audited counters): the one set of rules.

What is accepted: a JPEG or PNG as Pillow reads it from the bytes; the file name's extension
and the browser's Content-Type are not trusted. Every accepted photo is re-encoded before it is
stored: the camera's rotation (EXIF Orientation) is applied to the pixels and the EXIF block is
dropped, so a phone photo's GPS position, device serial and timestamps never reach the disk or
anyone who later downloads it. XMP and JPEG comments go too; the ICC colour profile stays.
Re-encoding also means the stored file is one Pillow wrote, not whatever the browser sent.

Files are never served from MEDIA_URL: each app streams them after the same scoping check as the
record they belong to, with ``content_type`` telling the stored file's type.
"""

from __future__ import annotations

import io
import uuid
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

#: Largest upload accepted, in bytes (10 MB: a full-resolution phone photo fits).
MAX_PHOTO_BYTES = 10 * 1024 * 1024
#: Largest image accepted, in pixels. A 48-megapixel phone photo fits; re-encoding holds the
#: decoded image in memory (3 bytes a pixel), so a bigger one is refused rather than decoded.
MAX_PHOTO_PIXELS = 50_000_000
MAX_CAPTION_LENGTH = 200

# Pillow format name -> (stored file's extension, Content-Type it is served with).
FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png")}
# The first bytes of each format, to tell a stored file's type without decoding it.
_SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
JPEG_QUALITY = 90
MEGABYTE = 1024 * 1024


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
    """``file`` (an upload) checked and re-encoded without EXIF; ValidationError if it is not
    a JPEG or PNG within the limits."""
    if file.size > MAX_PHOTO_BYTES:
        raise ValidationError(
            {"image": _("照片不得超過{limit}MB。").format(limit=MAX_PHOTO_BYTES // MEGABYTE)},
            code="size",
        )
    if not file.size:
        raise _invalid_format()
    try:
        # Pillow only warns about a decompression bomb below twice its own limit.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            file.seek(0)
            with Image.open(file, formats=list(FORMATS)) as probe:
                if probe.width * probe.height > MAX_PHOTO_PIXELS:
                    raise _too_many_pixels()
                probe.verify()
            # verify() leaves the image unusable: decode it again from the start.
            file.seek(0)
            with Image.open(file, formats=list(FORMATS)) as image:
                image.load()
                fmt = image.format
                ImageOps.exif_transpose(image, in_place=True)
                return _encode(image, fmt)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        # Pillow reports a truncated or malformed file with any of these.
        raise _invalid_format() from None


def _encode(image: Image.Image, fmt: str) -> ContentFile:
    # Only what the picture needs to look right is carried over: exif, xmp, comments and
    # text chunks are left behind (the savers would otherwise copy some of them from .info).
    keep = {key: image.info[key] for key in ("icc_profile", "transparency") if key in image.info}
    image.info = {}
    output = io.BytesIO()
    if fmt == "JPEG":
        image.save(output, format="JPEG", quality=JPEG_QUALITY, **keep)
    else:
        image.save(output, format="PNG", **keep)
    extension, _content_type = FORMATS[fmt]
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.{extension}")


def clean_caption(caption: str) -> str:
    caption = (caption or "").strip()
    if len(caption) > MAX_CAPTION_LENGTH:
        raise ValidationError(
            {"caption": _("照片說明不得超過{limit}字。").format(limit=MAX_CAPTION_LENGTH)},
            code="max_length",
        )
    return caption


def content_type(handle) -> str | None:
    """The Content-Type of a stored photo from its first bytes (None if it is neither format);
    ``handle`` is left at the start."""
    handle.seek(0)
    head = handle.read(8)
    handle.seek(0)
    for signature, media_type in _SIGNATURES.items():
        if head.startswith(signature):
            return media_type
    return None
