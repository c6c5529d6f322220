"""The awards registry's verbs: register, change, confirm, return and delete an award, and
the evidence file rules.

Who may do what:

- a bureau user registers awards of their own agency and changes or deletes them until a
  reviewer confirms them; a reviewer or admin may register an award for any agency;
- reviewers and admins confirm (registered → confirmed) or return with a reason (registered or
  confirmed → returned); a returned award is corrected by its agency, which registers it again;
- admins change any award.

Every change goes through ``save()`` with the acting user as the history user, so
django-simple-history keeps who changed what and when (a row's history is its audit trail).

Evidence files: a PDF, JPEG or PNG as told by the file's first bytes (the name and the browser's
Content-Type are not trusted), at most ``MAX_EVIDENCE_BYTES``. They are stored under a random
name and never served from MEDIA_URL: ``awards.views.evidence`` streams one after the same
scoping check as its award.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from awards.choices import AwardState
from awards.models import Award
from tainan_rdec.scoping import is_active_user, is_admin, is_commission

MEGABYTE = 1024 * 1024
MAX_EVIDENCE_BYTES = 10 * MEGABYTE
# First bytes → (stored extension, Content-Type served).
EVIDENCE_SIGNATURES = {
    b"%PDF-": ("pdf", "application/pdf"),
    b"\xff\xd8\xff": ("jpg", "image/jpeg"),
    b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
}
MAX_NAME_LENGTH = 200

# Fields a registration or a change may set (anything else is the workflow's).
CONTENT_FIELDS = (
    "roc_year",
    "award_date",
    "name",
    "awarding_body",
    "award_class",
    "is_top",
    "project",
    "evidence_url",
    "note",
)


# -- evidence ----------------------------------------------------------------------------------


def _signature(head: bytes) -> tuple[str, str] | None:
    for signature, kind in EVIDENCE_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    return None


def clean_evidence(file) -> ContentFile:
    """``file`` (an upload) checked and copied under a random name; ValidationError if it is
    not a PDF, JPEG or PNG within the size limit."""
    if file.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            {
                "evidence_file": _("佐證檔案不得超過{limit}MB。").format(
                    limit=MAX_EVIDENCE_BYTES // MEGABYTE
                )
            },
            code="size",
        )
    file.seek(0)
    content = file.read()
    kind = _signature(content[:8]) if content else None
    if kind is None:
        raise ValidationError(
            {"evidence_file": _("佐證檔案只接受PDF、JPEG或PNG格式。")}, code="format"
        )
    extension, _content_type = kind
    return ContentFile(content, name=f"{uuid.uuid4().hex}.{extension}")


def evidence_content_type(handle) -> str | None:
    """The Content-Type of a stored evidence file from its first bytes (None if it is none of
    the accepted kinds); ``handle`` is left at the start."""
    handle.seek(0)
    head = handle.read(8)
    handle.seek(0)
    kind = _signature(head)
    return kind[1] if kind else None


def _original_name(file) -> str:
    name = os.path.basename(getattr(file, "name", "") or "")
    return name[-MAX_NAME_LENGTH:]


def _delete_file_on_commit(field) -> None:
    if field:
        storage, name = field.storage, field.name
        transaction.on_commit(lambda: storage.delete(name))


# -- permissions -------------------------------------------------------------------------------


def may_register_for(user, agency) -> bool:
    """Bureau users register their own agency's awards; the commission any agency's."""
    if not is_active_user(user) or agency is None:
        return False
    if is_commission(user):
        return True
    return user.agency_id is not None and user.agency_id == agency.pk


def _save(award: Award, by) -> Award:
    """Validate and save with ``by`` as the history user; a concurrent duplicate (the unique
    natural key) becomes the same message as the form's."""
    award.full_clean()
    award._history_user = by
    try:
        with transaction.atomic():
            award.save()
    except IntegrityError:
        raise ValidationError(
            {"name": _("本機關同一年度已登錄同名、同頒獎單位的獎項。")}, code="unique"
        ) from None
    return award


def _lock(award: Award) -> Award:
    locked = Award.objects.select_for_update().filter(pk=award.pk).first()
    if locked is None:
        raise ValidationError(_("此筆獎項已不存在。"))
    return locked


# -- verbs -------------------------------------------------------------------------------------


@transaction.atomic
def register_award(*, by, agency, evidence_file=None, **fields) -> Award:
    """Register an award for ``agency`` (state 待確認). ``fields`` are ``CONTENT_FIELDS``."""
    if not may_register_for(by, agency):
        raise PermissionDenied(_("只能登錄本機關的獎項。"))
    unknown = set(fields) - set(CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown award fields: {sorted(unknown)}")
    award = Award(agency=agency, registered_by=by, state=AwardState.REGISTERED, **fields)
    if evidence_file is not None:
        award.evidence_file = clean_evidence(evidence_file)
        award.evidence_name = _original_name(evidence_file)
    return _save(award, by)


@transaction.atomic
def update_award(
    award: Award, *, by, evidence_file=None, remove_evidence_file=False, agency=None, **fields
) -> Award:
    """Change an award's content. A returned award goes back to 待確認 (registered again);
    only an admin moves an award to another agency."""
    if not Award.objects.editable_by(by).filter(pk=award.pk).exists():
        raise PermissionDenied(_("此筆獎項目前不能修改。"))
    unknown = set(fields) - set(CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown award fields: {sorted(unknown)}")
    award = _lock(award)
    if agency is not None and agency.pk != award.agency_id:
        if not is_admin(by):
            raise PermissionDenied(_("只有系統管理者可以變更獲獎機關。"))
        award.agency = agency
    for name, value in fields.items():
        setattr(award, name, value)
    old_file = award.evidence_file if (evidence_file is not None or remove_evidence_file) else None
    if evidence_file is not None:
        award.evidence_file = clean_evidence(evidence_file)
        award.evidence_name = _original_name(evidence_file)
    elif remove_evidence_file:
        award.evidence_file = None
        award.evidence_name = ""
    if award.state == AwardState.RETURNED:
        award.state = AwardState.REGISTERED
        award.return_reason = ""
    _save(award, by)
    if old_file:
        _delete_file_on_commit(old_file)
    return award


@transaction.atomic
def confirm_award(award: Award, *, by) -> Award:
    """A reviewer confirms a registered award: from now on it counts in the summary."""
    if not Award.objects.reviewable_by(by).filter(pk=award.pk).exists():
        raise PermissionDenied(_("只有研考會審查人員可以確認獎項。"))
    award = _lock(award)
    if award.state != AwardState.REGISTERED:
        raise ValidationError(
            _("只有待確認的獎項可以確認（目前狀態：{state}）。").format(
                state=award.get_state_display()
            )
        )
    award.state = AwardState.CONFIRMED
    award.reviewed_by = by
    award.reviewed_at = timezone.now()
    award.return_reason = ""
    return _save(award, by)


@transaction.atomic
def confirm_awards(pks: Iterable[int], *, by) -> list[Award]:
    """Confirm several registered awards at once (the reviewers' queue); awards that are not
    (or no longer) registered are left as they are. Returns the awards confirmed."""
    if not is_commission(by):
        raise PermissionDenied(_("只有研考會審查人員可以確認獎項。"))
    now = timezone.now()
    confirmed = []
    awards = Award.objects.select_for_update().filter(pk__in=list(pks), state=AwardState.REGISTERED)
    for award in awards.select_related("agency").order_by("pk"):
        award.state = AwardState.CONFIRMED
        award.reviewed_by = by
        award.reviewed_at = now
        award._history_user = by
        award.save()
        confirmed.append(award)
    return confirmed


@transaction.atomic
def return_award(award: Award, *, by, reason: str) -> Award:
    """A reviewer returns an award to its agency with the reason (what to correct or why it
    does not count). A confirmed award may be returned too: it stops counting."""
    if not Award.objects.reviewable_by(by).filter(pk=award.pk).exists():
        raise PermissionDenied(_("只有研考會審查人員可以退回獎項。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("請填寫退回原因。")})
    award = _lock(award)
    if award.state == AwardState.RETURNED:
        raise ValidationError(_("此筆獎項已退回，待機關補正後再登錄。"))
    award.state = AwardState.RETURNED
    award.reviewed_by = by
    award.reviewed_at = timezone.now()
    award.return_reason = reason
    return _save(award, by)


@transaction.atomic
def delete_award(award: Award, *, by) -> None:
    """Remove an award registered by mistake (its history stays); a confirmed award cannot be
    deleted here: a reviewer returns it first."""
    if not Award.objects.editable_by(by).filter(pk=award.pk).exists():
        raise PermissionDenied(_("此筆獎項目前不能刪除。"))
    award = _lock(award)
    if award.state == AwardState.CONFIRMED:
        raise ValidationError(_("已確認的獎項不能刪除，請先由研考會退回。"))
    award._history_user = by
    evidence = award.evidence_file
    award.delete()
    _delete_file_on_commit(evidence)
