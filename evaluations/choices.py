from django.db import models
from django.utils.translation import gettext_lazy as _


class RubricKind(models.TextChoices):
    PHONE = "phone", _("電話禮貌測試")
    AUDIT = "audit", _("神秘客實地稽核")


class RubricGroup(models.TextChoices):
    """The group a scoring item belongs to; each rubric kind has its own groups."""

    SWITCHBOARD = "switchboard", _("總機")
    UNIT = "unit", _("業務單位")
    ENVIRONMENT = "environment", _("環境")
    FACILITIES = "facilities", _("設施")
    ETIQUETTE = "etiquette", _("服務禮儀")
    PROCESS = "process", _("流程效率")


GROUPS_BY_KIND = {
    RubricKind.PHONE: (RubricGroup.SWITCHBOARD, RubricGroup.UNIT),
    RubricKind.AUDIT: (
        RubricGroup.ENVIRONMENT,
        RubricGroup.FACILITIES,
        RubricGroup.ETIQUETTE,
        RubricGroup.PROCESS,
    ),
}


class CallRoute(models.TextChoices):
    """How a test call reached the person who answered; it decides which groups are scored."""

    SWITCHBOARD = "switchboard", _("經總機轉接（評總機及受話單位）")
    DIRECT = "direct", _("直撥業務單位")
    HOTLINE = "hotline", _("1999話務中心")


# The rubric groups a call is scored on, by its route.
GROUPS_BY_ROUTE = {
    CallRoute.SWITCHBOARD: (RubricGroup.SWITCHBOARD, RubricGroup.UNIT),
    CallRoute.DIRECT: (RubricGroup.UNIT,),
    CallRoute.HOTLINE: (RubricGroup.UNIT,),
}


class ImprovementSource(models.TextChoices):
    """What raised an improvement item (改善事項): a reviewer after a mystery-shopper audit, or
    the monthly follow-through of an agency whose petitions overdue rate was above the flag."""

    AUDIT = "audit", _("神秘客實地稽核")
    TIMELINESS = "timeliness", _("陳情案件處理時效")


class ImprovementStatus(models.TextChoices):
    """An item's steps. An audit's item starts OPEN (the agency reports back, the reviewer
    verifies or returns it). A petitions-timeliness item starts PLAN_DUE: the agency files an
    improvement plan, the reviewer accepts it (→ OPEN) or returns it, the agency reports the
    results (→ REPORTED), and the item is closed (VERIFIED) by the figures, once the agency's
    overdue rate has stayed under the flag for the recovery period."""

    PLAN_DUE = "plan_due", _("待提改善計畫")
    PLAN_FILED = "plan_filed", _("改善計畫待審查")
    OPEN = "open", _("待機關回復")
    REPORTED = "reported", _("機關已回復，待確認")
    VERIFIED = "verified", _("已確認改善")


# The steps at which the item waits for the agency (their due date can pass), and for the
# commission's reviewer.
AWAITING_AGENCY = (ImprovementStatus.PLAN_DUE, ImprovementStatus.OPEN)
AWAITING_PLAN_REVIEW = (ImprovementStatus.PLAN_FILED,)


class TargetBasis(models.TextChoices):
    """Why an agency is on a year's mystery-shopper target list (稽核對象)."""

    DISTRICT_OFFICE = "district", _("區公所例行稽核")
    COUNTER = "counter", _("市府服務櫃台")
    NEEDS_IMPROVEMENT = "improvement", _("前一年度待加強機關")


class AwardCategory(models.TextChoices):
    """Government Service Award categories (政府服務獎, 6th–8th editions)."""

    DIGITAL = "digital", _("數位創新加值")
    SOCIAL = "social", _("社會創新共融")


class CoachingStage(models.TextChoices):
    """Stages of the Government Service Award, with the commission's coaching first."""

    COACHING = "coaching", _("輔導")
    RECOMMENDED = "recommended", _("推薦")
    WRITTEN_REVIEW = "written_review", _("書面初審")
    SHORTLISTED = "shortlisted", _("入圍")
    SITE_VISIT = "site_visit", _("實地訪視")
    AWARDED = "awarded", _("得獎")
    NOT_AWARDED = "not_awarded", _("未獲獎")


# The pipeline in order; 未獲獎 ends an entry at whatever stage it had reached.
PIPELINE = (
    CoachingStage.COACHING,
    CoachingStage.RECOMMENDED,
    CoachingStage.WRITTEN_REVIEW,
    CoachingStage.SHORTLISTED,
    CoachingStage.SITE_VISIT,
    CoachingStage.AWARDED,
)
TERMINAL_STAGES = frozenset({CoachingStage.AWARDED, CoachingStage.NOT_AWARDED})


class ReminderKind(models.TextChoices):
    """The kinds of reminder this app sends (``Reminder.kind``)."""

    IMPROVEMENT_RAISED = "evaluations.improvement_raised", _("新列管改善事項通知")
    IMPROVEMENT_OVERDUE = "evaluations.improvement_overdue", _("改善事項逾期稽催")
    IMPROVEMENT_RETURNED = "evaluations.improvement_returned", _("改善事項退回補正通知")
