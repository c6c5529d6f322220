"""Photos attached to a monthly report (optional, by the filing agency) and to a site visit (by
the commission's reviewers). The rules for the image itself are the kernel's
(``tainan_rdec.photos``); ``projects.views.photos`` streams the files after the same scoping
check as the report or visit they belong to.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from projects.models import MonthlyReport, ReportPhoto, SiteVisit, SiteVisitPhoto
from tainan_rdec.photos import clean_caption, clean_photo
from tainan_rdec.scoping import is_commission

#: Photos one monthly report may carry.
MAX_PHOTOS_PER_REPORT = 10


def _lock_editable_report(report: MonthlyReport, by) -> MonthlyReport:
    # The row lock makes two uploads at once count each other's photos against the limit.
    locked = MonthlyReport.objects.select_for_update().filter(pk=report.pk).first()
    if locked is None or not MonthlyReport.objects.editable_by(by).filter(pk=report.pk).exists():
        raise PermissionDenied(_("此份填報目前不能修改。"))
    return locked


@transaction.atomic
def add_report_photo(report: MonthlyReport, file, caption: str = "", *, by) -> ReportPhoto:
    """Attach a photo to a report while its agency may still change it (草稿 or 退回)."""
    report = _lock_editable_report(report, by)
    caption = clean_caption(caption)
    if report.photos.count() >= MAX_PHOTOS_PER_REPORT:
        raise ValidationError(
            {"image": _("每份填報最多{limit}張照片。").format(limit=MAX_PHOTOS_PER_REPORT)},
            code="too_many",
        )
    image = clean_photo(file)
    return ReportPhoto.objects.create(report=report, image=image, caption=caption, uploaded_by=by)


@transaction.atomic
def remove_report_photo(photo: ReportPhoto, *, by) -> None:
    """Take a photo off a report while its agency may still change it; the file goes once the
    deletion is committed."""
    _lock_editable_report(photo.report, by)
    storage, name = photo.image.storage, photo.image.name
    photo.delete()
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def add_visit_photo(visit: SiteVisit, file, caption: str = "", *, by) -> SiteVisitPhoto:
    """Attach a photo to a site visit: the commission's reviewers (and admins) record visits."""
    if not is_commission(by):
        raise PermissionDenied(_("只有研考會審查人員可以上傳訪視照片。"))
    caption = clean_caption(caption)
    image = clean_photo(file)
    return SiteVisitPhoto.objects.create(visit=visit, image=image, caption=caption, uploaded_by=by)


def visit_photos_visible_to(user):
    """Site-visit photos ``user`` may see: those of the visits they may see."""
    return SiteVisitPhoto.objects.visible_to(user)
