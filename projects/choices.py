from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectKind(models.TextChoices):
    MAJOR = "major", _("重大建設")
    FORWARD = "forward", _("前瞻基礎建設")
    GENERAL_SUBSIDY = "subsidy", _("一般性補助款基本設施")
    KEY_BUSINESS = "key_business", _("重點業務")


class ForwardCategory(models.TextChoices):
    """The eight categories of the Forward-looking Infrastructure programme (前瞻基礎建設)."""

    RAIL = "rail", _("軌道建設")
    WATER = "water", _("水環境建設")
    GREEN_ENERGY = "green_energy", _("綠能建設")
    DIGITAL = "digital", _("數位建設")
    URBAN_RURAL = "urban_rural", _("城鄉建設")
    FOOD_SAFETY = "food_safety", _("食品安全建設")
    CHILDCARE = "childcare", _("因應少子化友善育兒空間建設")
    TALENT = "talent", _("人才培育促進就業之建設")


class FundingSource(models.TextChoices):
    CITY = "city", _("市府自籌")
    CENTRAL = "central", _("中央補助")
    FORWARD_BUDGET = "forward_budget", _("前瞻特別預算")
    GENERAL_SUBSIDY = "general_subsidy", _("一般性補助款")
    MIXED = "mixed", _("中央補助及市府配合款")
    OTHER = "other", _("其他")


class ExecutionPhase(models.TextChoices):
    PLANNING = "planning", _("規劃設計")
    TENDERING = "tendering", _("招標")
    CONSTRUCTION = "construction", _("施工中")
    STOPPED = "stopped", _("停工中")
    COMPLETION_REPORTED = "completion_reported", _("已申報竣工")
    ACCEPTANCE = "acceptance", _("驗收中")
    SETTLEMENT = "settlement", _("結算付款中")
    CLOSED = "closed", _("已結案")
    TERMINATED = "terminated", _("已解約")


class ControlStatus(models.TextChoices):
    NEW = "new", _("新增")
    LISTED = "listed", _("列管中")
    SUSPENDED = "suspended", _("暫緩列管")
    DELISTED = "delisted", _("解除列管")


class ApplicationKind(models.TextChoices):
    """What a bureau applies to the commission for (變更申請). Each kind is one entry of
    ``projects.applications.KINDS``: the same flow (draft → submitted → approved | returned),
    with its own checks and its own effect on approval."""

    LISTING = "listing", _("申請列管")
    REPLAN = "replan", _("申請變更預定進度")
    SUSPENSION = "suspension", _("申請暫緩列管")
    DELISTING = "delisting", _("申請解除列管")
    TRANSFER = "transfer", _("申請主辦機關移撥")
    CHECKPOINT = "checkpoint", _("申報檢核點達成")


class AttachmentType(models.TextChoices):
    """What an application's attachment may be, as found in its bytes (``projects.attachments``)."""

    PDF = "application/pdf", "PDF"
    XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _("Excel（xlsx）")
    DOCX = (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _("Word（docx）"),
    )
    JPEG = "image/jpeg", "JPEG"
    PNG = "image/png", "PNG"


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("審查中")
    APPROVED = "approved", _("同意")
    RETURNED = "returned", _("退回")


class MilestoneStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("預定")
    MET = "met", _("如期達成")
    MET_LATE = "met_late", _("逾期達成")
    PARTIAL = "partial", _("部分達成")
    MISSED = "missed", _("未達成")


class ReportState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已送出")
    RETURNED = "returned", _("退回")
    ACCEPTED = "accepted", _("已審核")


class LagStatus(models.TextChoices):
    NO_DATA = "no_data", _("尚無審核資料")
    ON_SCHEDULE = "on_schedule", _("進度符合")
    BEHIND = "behind", _("落後")
    SERIOUSLY_BEHIND = "seriously_behind", _("嚴重落後")
    STOPPED = "stopped", _("停工")


class StatusField(models.TextChoices):
    CONTROL_STATUS = "control_status", _("列管狀態")
    PHASE = "phase", _("執行階段")
    HOST_AGENCY = "host_agency", _("主辦機關")


class MeetingKind(models.TextChoices):
    MONTHLY = "monthly", _("重大建設暨基本設施檢討會議")
    QUARTERLY = "quarterly", _("重大公共建設推動會報")


class DirectiveStatus(models.TextChoices):
    OPEN = "open", _("追蹤中")
    CLOSED = "closed", _("解除追蹤")


class AgendaReason(models.TextChoices):
    SERIOUSLY_BEHIND = "seriously_behind", _("嚴重落後")
    STOPPED = "stopped", _("停工")
    ABNORMAL = "abnormal", _("異常")
    MANUAL = "manual", _("審查人員增列")


class RiskLevel(models.TextChoices):
    HIGH = "high", _("高風險")
    MEDIUM = "medium", _("中風險")
    LOW = "low", _("低風險")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("優等")
    GOOD = "good", _("甲等")
    FAIR = "fair", _("乙等")
    POOR = "poor", _("丙等")


class PacketKind(models.TextChoices):
    MONTHLY_AGENDA = "monthly_agenda", _("每月檢討會議議程")
    QUARTERLY = "quarterly", _("重大公共建設推動會報資料")


class PacketState(models.TextChoices):
    QUEUED = "queued", _("排隊中")
    BUILDING = "building", _("製作中")
    READY = "ready", _("已完成")
    FAILED = "failed", _("製作失敗")


class ReminderKind(models.TextChoices):
    """The kinds of reminder this app sends (``Reminder.kind``)."""

    FILING_DUE = "projects.filing_due", _("填報期限提醒")
    FILING_OVERDUE = "projects.filing_overdue", _("逾期未填報稽催")
    ESCALATION_AGENCY = "projects.escalation_agency", _("逾期未填報陳報機關首長")
    ESCALATION_COMMISSION = "projects.escalation_rdec", _("逾期未填報陳報研考會")
    REPORT_RETURNED = "projects.report_returned", _("填報退回通知")
    DIRECTIVE_DUE = "projects.directive_due", _("管制事項期限提醒")
    DIRECTIVE_OVERDUE = "projects.directive_overdue", _("管制事項逾期稽催")
    PACKET_READY = "projects.packet_ready", _("會議資料製作完成")
    APPLICATION_APPROVED = "projects.application_approved", _("申請同意通知")
    APPLICATION_RETURNED = "projects.application_returned", _("申請退回通知")
