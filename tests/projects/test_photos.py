"""Photos on monthly reports and site visits: what is accepted, who may add, remove and see
them, and that they are served only through the scoped file view, without EXIF."""

from __future__ import annotations

import io
import os
from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import ExifTags, Image

from projects import photos
from projects.choices import ReportState
from projects.models import ReportPhoto, SiteVisit, SiteVisitPhoto
from tainan_rdec import photos as kernel_photos
from tests.projects.factories import filed_report, make_project

pytestmark = pytest.mark.django_db

MARCH = date(2024, 3, 1)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def image_bytes(fmt="JPEG", size=(40, 20), exif=None) -> bytes:
    output = io.BytesIO()
    extra = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, (200, 80, 40)).save(output, format=fmt, **extra)
    return output.getvalue()


def upload(data: bytes, name="site.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_photo(report, number=1) -> ReportPhoto:
    return ReportPhoto.objects.create(
        report=report, image=ContentFile(image_bytes(), name=f"p{number}.jpg")
    )


def fetch(client, url):
    """GET a photo and read it to the end, which closes the file. (Calling ``close()`` here
    instead would send a second request_finished outside the test client, and on PostgreSQL
    Django then drops the test transaction's connection.)"""
    response = client.get(url)
    if response.streaming:
        response.content_bytes = b"".join(response.streaming_content)
    return response


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def project(agency_a):
    return make_project(agency_a, name="安平港聯外道路拓寬工程")


@pytest.fixture
def draft(project):
    return filed_report(project, MARCH, 20, state=ReportState.DRAFT)


@pytest.fixture
def visit(project):
    return SiteVisit.objects.create(
        project=project, date=timezone.localdate(), participants="研考會", findings="施工中"
    )


def add_url(report):
    return f"/projects/reports/{report.pk}/photos/"


def file_url(photo):
    return f"/projects/reports/photos/{photo.pk}/"


def visit_add_url(visit):
    return f"/projects/visits/{visit.pk}/photos/"


def visit_file_url(photo):
    return f"/projects/visits/photos/{photo.pk}/"


def test_staff_uploads_a_jpeg_to_a_draft_under_media_root(client_as, draft, cast, media_root):
    response = client_as("staff_a").post(
        add_url(draft), {"image": upload(image_bytes()), "caption": "路基整地"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/projects/reports/{draft.pk}/"
    photo = draft.photos.get()
    assert (photo.caption, photo.uploaded_by) == ("路基整地", cast["staff_a"])
    assert photo.image.path.startswith(str(media_root))
    assert photo.image.name.endswith(".jpg")
    assert "照片已上傳。" in messages_of(response)


def test_png_is_served_as_png_privately_with_nosniff(client_as, draft):
    client = client_as("staff_a")
    client.post(add_url(draft), {"image": upload(image_bytes("PNG"), "a.jpg", "image/jpeg")})
    photo = draft.photos.get()

    response = client.get(file_url(photo))
    body = b"".join(response.streaming_content)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    assert Image.open(io.BytesIO(body)).format == "PNG"


def test_text_file_named_jpg_is_refused(client_as, draft):
    text = upload("這不是照片".encode(), "fake.jpg", "image/jpeg")

    response = client_as("staff_a").post(add_url(draft), {"image": text})

    assert not draft.photos.exists()
    assert "只接受JPEG或PNG格式的照片。" in messages_of(response)


def test_a_real_gif_is_refused(client_as, draft):
    gif = upload(image_bytes("GIF"), "site.gif", "image/gif")

    response = client_as("staff_a").post(add_url(draft), {"image": gif})

    assert not draft.photos.exists()
    assert "只接受JPEG或PNG格式的照片。" in messages_of(response)


def test_photo_over_the_size_limit_is_refused(client_as, draft, monkeypatch):
    monkeypatch.setattr(kernel_photos, "MAX_PHOTO_BYTES", 1024 * 1024)
    big = image_bytes() + b"\0" * (1024 * 1024)

    response = client_as("staff_a").post(add_url(draft), {"image": upload(big)})

    assert not draft.photos.exists()
    assert "照片不得超過1MB。" in messages_of(response)


def test_eleventh_photo_is_refused(client_as, draft):
    for number in range(photos.MAX_PHOTOS_PER_REPORT):
        stored_photo(draft, number)

    response = client_as("staff_a").post(add_url(draft), {"image": upload(image_bytes())})

    assert draft.photos.count() == 10
    assert "每份填報最多10張照片。" in messages_of(response)


def test_exif_gps_is_stripped_and_orientation_applied(client_as, draft):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # taken with the phone turned: show rotated 90°
    exif[ExifTags.Base.Make] = "TestPhone"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (22.0, 59.0, 30.0)}
    )
    data = image_bytes(size=(40, 20), exif=exif)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    client_as("staff_a").post(add_url(draft), {"image": upload(data)})

    with draft.photos.get().image.open("rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
    assert stored.size == (20, 40)
    assert not stored.getexif()
    assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_other_agency_gets_404_on_the_photo_and_the_upload(client_as, draft):
    photo = stored_photo(draft)
    client = client_as("staff_b")

    assert fetch(client, file_url(photo)).status_code == 404
    assert client.post(add_url(draft), {"image": upload(image_bytes())}).status_code == 404
    assert client.post(f"/projects/reports/photos/{photo.pk}/delete/").status_code == 404
    assert draft.photos.count() == 1


def test_anonymous_visitor_is_sent_to_login_for_a_photo(client_as, draft):
    response = client_as("anonymous").get(file_url(stored_photo(draft)))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_reviewer_sees_a_report_photo_but_cannot_upload(client_as, draft):
    photo = stored_photo(draft)
    client = client_as("reviewer")

    assert fetch(client, file_url(photo)).status_code == 200
    assert client.post(add_url(draft), {"image": upload(image_bytes())}).status_code == 403
    assert draft.photos.count() == 1


def test_submitted_report_takes_no_new_photos_and_keeps_its_own(client_as, project):
    report = filed_report(project, MARCH, 20, state=ReportState.SUBMITTED)
    photo = stored_photo(report)
    client = client_as("staff_a")

    assert client.post(add_url(report), {"image": upload(image_bytes())}).status_code == 403
    assert client.post(f"/projects/reports/photos/{photo.pk}/delete/").status_code == 403
    assert report.photos.count() == 1


def test_staff_deletes_a_photo_and_its_file(client_as, draft, django_capture_on_commit_callbacks):
    photo = stored_photo(draft)
    path = photo.image.path

    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("staff_a").post(f"/projects/reports/photos/{photo.pk}/delete/")

    assert response.status_code == 302
    assert not draft.photos.exists()
    assert not ReportPhoto.objects.filter(pk=photo.pk).exists()
    assert not os.path.exists(path)


def test_upload_returns_to_the_page_it_came_from_but_never_off_site(client_as, draft):
    client = client_as("staff_a")
    form_page = f"/projects/{draft.project_id}/reports/2024/3/"

    back = client.post(add_url(draft), {"image": upload(image_bytes()), "next": form_page})
    away = client.post(
        add_url(draft), {"image": upload(image_bytes()), "next": "https://evil.example/"}
    )

    assert back["Location"] == form_page
    assert away["Location"] == f"/projects/reports/{draft.pk}/"


def test_upload_is_post_only(client_as, draft):
    assert client_as("staff_a").get(add_url(draft)).status_code == 405


def test_report_pages_show_thumbnails_through_the_file_view(client_as, draft):
    captioned = stored_photo(draft, 1)
    captioned.caption = "橋台鋼筋綁紮"
    captioned.save()
    plain = stored_photo(draft, 2)

    detail = client_as("reviewer").get(f"/projects/reports/{draft.pk}/").content.decode()
    form = client_as("staff_a").get(f"/projects/{draft.project_id}/reports/2024/3/")
    form_html = form.content.decode()

    assert f'src="{file_url(captioned)}" alt="橋台鋼筋綁紮"' in detail
    assert f'src="{file_url(plain)}" alt="現場照片"' in detail
    assert "/media/" not in detail
    assert add_url(draft) not in detail  # the reviewer gets no upload form
    assert add_url(draft) in form_html
    assert f"/projects/reports/photos/{plain.pk}/delete/" in form_html
    assert 'data-confirm="確定刪除這張照片？"' in form_html


def test_reviewer_uploads_a_photo_to_a_visit(client_as, visit, cast):
    client = client_as("reviewer")

    response = client.post(
        visit_add_url(visit), {"image": upload(image_bytes("PNG"), "v.png"), "caption": "工區"}
    )

    assert response["Location"] == f"/projects/visits/{visit.pk}/"
    photo = visit.photos.get()
    assert photo.uploaded_by == cast["reviewer"]
    page = client.get(f"/projects/visits/{visit.pk}/").content.decode()
    assert f'src="{visit_file_url(photo)}" alt="工區"' in page
    assert fetch(client, visit_file_url(photo))["Content-Type"] == "image/png"


def test_visit_photos_are_refused_to_bureaus_and_hidden_from_other_agencies(client_as, visit):
    photo = SiteVisitPhoto.objects.create(
        visit=visit, image=ContentFile(image_bytes(), name="v.jpg")
    )
    data = {"image": upload(image_bytes())}

    assert client_as("staff_a").post(visit_add_url(visit), data).status_code == 403
    assert fetch(client_as("staff_a"), visit_file_url(photo)).status_code == 200
    assert fetch(client_as("staff_b"), visit_file_url(photo)).status_code == 404
    assert client_as("staff_b").post(visit_add_url(visit), data).status_code == 404
    assert visit.photos.count() == 1


@pytest.mark.parametrize("content", [b"\xff\xd8\xff", image_bytes()[:200]])
def test_truncated_jpeg_is_refused_by_the_service(draft, cast, content):
    with pytest.raises(ValidationError) as refused:
        photos.add_report_photo(draft, upload(content), by=cast["staff_a"])

    assert refused.value.messages == ["只接受JPEG或PNG格式的照片。"]


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` × ``height`` greyscale pixels but carries only a few rows:
    a few hundred bytes that would decode to ``width * height`` bytes (a pixel bomb)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = zlib.compress(b"\0" * (width + 1) * 4)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", rows)
        + chunk(b"IEND", b"")
    )


def jpeg_declaring(width: int, height: int) -> bytes:
    """A real small JPEG whose frame header (SOF0) is rewritten to declare ``width`` ×
    ``height``."""
    data = bytearray(image_bytes("JPEG", size=(16, 16)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        # Beyond Pillow's own bomb limit (2 × 89 megapixels): refused before any decoding.
        ("bomb.png", png_header_only(30_000, 30_000)),
        ("bomb.jpg", jpeg_declaring(65_000, 65_000)),
        # Under Pillow's limit but over the portal's 50 megapixels.
        ("large.png", png_header_only(8_000, 8_000)),
        ("large.jpg", jpeg_declaring(8_000, 8_000)),
    ],
)
def test_a_pixel_bomb_is_refused_without_decoding_it(client_as, draft, media_root, name, data):
    assert len(data) < 2_000  # a tiny upload that declares hundreds of megabytes of pixels
    response = client_as("staff_a").post(add_url(draft), {"image": upload(data, name)})

    assert response.status_code == 302
    assert not draft.photos.exists()
    assert "照片解析度過高（超過5000萬像素），請縮小後再上傳。" in messages_of(response)
    assert not any(path.is_file() for path in media_root.rglob("*"))


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>'
)


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("site.svg", "image/svg+xml"), ("site.png", "image/png"), ("site.jpg", "image/jpeg")],
)
def test_an_svg_is_refused_whatever_it_is_called(client_as, draft, media_root, name, content_type):
    response = client_as("staff_a").post(add_url(draft), {"image": upload(SVG, name, content_type)})

    assert not draft.photos.exists()
    assert "只接受JPEG或PNG格式的照片。" in messages_of(response)
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_a_pixel_bomb_is_refused_for_a_site_visit_too(client_as, visit, media_root):
    response = client_as("reviewer").post(
        visit_add_url(visit), {"image": upload(png_header_only(30_000, 30_000), "bomb.png")}
    )

    assert not SiteVisitPhoto.objects.exists()
    assert "照片解析度過高（超過5000萬像素），請縮小後再上傳。" in messages_of(response)
