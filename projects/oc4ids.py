"""Open data: the listed projects as an OC4IDS project package (Open Contracting for
Infrastructure Data Standard, schema version 0.9), served read-only and without login by
projects/views/open_data.py.

The schema. The package was checked, outside this repository, against the official OC4IDS
0.9.5 project schema (open-contracting/infrastructure, commit 40b5573) and the 0.9.3 project
package schema (commit c0f26b1). ``oc4ids_schema.json`` beside this module is the portal's own
description of the fields it publishes, not the official schema: exactly the subset built here,
closed to anything else, and following the official rules (closed codelists, minimum counts,
unique items, formats) for those fields. The tests validate every package against it. A
package holds at least one project: while nothing is published the URL answers 404.

What is published (``published_projects``), by control status:

- 列管中: the commission checked the basic data, budget, checkpoints and S-curve when it listed
  the project, and reviews its monthly reports.
- 解除列管: control ends when a project closes (結案); a closed project stays in the record.
- not 新增: a bureau's entry the commission has not checked, and may never list.
- not 暫緩列管: while control is suspended no report is filed or reviewed, so the commission
  cannot vouch for the figures; the project is published again when control resumes.

Status (OC4IDS projectStatus codelist, closed), from the control status and the execution phase:

==========  =========================================================  ==============
列管狀態    執行階段                                                   status
==========  =========================================================  ==============
列管中      規劃設計, 招標, 施工中, 停工中, 已解約                     implementation
列管中      已申報竣工, 驗收中, 結算付款中                             completion
列管中      已結案                                                     maintenance
解除列管    已申報竣工 or later, or an actual completion date entered  maintenance
解除列管    any other (control ended before the works were finished)   cancelled
==========  =========================================================  ==============

Why. Listing needs an approved budget, which the codelist puts at the end of preparation ("...
and the resulting budget authorization"), so every published project is past identification
and preparation; and its implementation "covers the procurement and implementation of the group
of works or services (such as design and supervision)", so design (規劃設計) and tendering (招標)
are implementation too. Completion "covers the handover of the assets and close-out activities":
from the reported completion (已申報竣工) through acceptance to the final payment. A closed
project (結案) has finished its close-out; the codelist's old ``completed`` ("Close-out activities
were completed") is deprecated in favour of ``maintenance``, so a closed project is
``maintenance``. Control ends when a project closes, so a delisted project whose works were
finished is taken as closed: ``maintenance`` too; one delisted before its works were finished
is ``cancelled`` ("before close-out activities were completed, and is inactive"). A
stoppage is a pause of the works, and a terminated contract is re-tendered under a new tender
number (DOMAIN.md): both stay ``implementation`` while the project is under control. The
portal does not follow an asset's end of life: ``decommissioning`` and ``decommissioned`` are
never given.

Progress. ``period`` is the planned start and completion: the baseline. ``forecasts`` holds the
current planned S-curve, one observation per month (cumulative planned %); ``metrics`` holds,
under the same metric id (metricID ``physicalProgress``), the actual cumulative % of each
monthly report the commission accepted. A draft, returned or merely submitted report is not
published: review may still change it. A metric needs at least one observation, so a project
with no current S-curve has no ``forecasts``, and one with no accepted report yet no
``metrics``. ``completion`` (``maintenance`` projects only) gives the actual completion date
and, as the final value, 實支數 + 應付未付數 of the latest accepted report.

Personal data: none. No user (creator, filer, reviewer) is read, nor an agency's contact person,
nor the reports' narrative text, which may name people. The free text that is published, the
project's name and summary, is typed by bureau staff and may hold a contact's phone number or a
house number: it goes through the portal's one redaction (tainan_rdec/redaction.py), as the
Open311 API's does.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.choices import ControlStatus, ExecutionPhase, ReportState
from projects.models import MonthlyReport, PlanBaseline, PlannedPoint, Project
from tainan_rdec.models import District
from tainan_rdec.redaction import redact
from tainan_rdec.workdays import TAIPEI

SCHEMA_PATH = Path(__file__).with_name("oc4ids_schema.json")
SCHEMA_VERSION = "0.9"
CURRENCY = "TWD"
# 政府資料開放授權條款－第1版: the licence of Taiwan's government open data.
LICENSE = "https://data.gov.tw/license"
PUBLISHER = gettext_lazy("臺南市政府研究發展考核委員會")
# One metric, planned in ``forecasts`` and measured in ``metrics``: the same id pairs them. The
# code is the metricID codelist's (open, but its own code is the one to use).
PROGRESS_METRIC = "physicalProgress"

PUBLISHED_STATUSES = (ControlStatus.LISTED, ControlStatus.DELISTED)


class Oc4idsStatus(models.TextChoices):
    """OC4IDS projectStatus codelist (closed), in the standard's order. An external standard's
    codes, used by this export only, so they live here rather than in projects/choices.py."""

    IDENTIFICATION = "identification", gettext_lazy("構想")
    PREPARATION = "preparation", gettext_lazy("準備")
    IMPLEMENTATION = "implementation", gettext_lazy("執行中")
    COMPLETION = "completion", gettext_lazy("完工結算")
    MAINTENANCE = "maintenance", gettext_lazy("營運維護")
    DECOMMISSIONING = "decommissioning", gettext_lazy("除役中")
    DECOMMISSIONED = "decommissioned", gettext_lazy("已除役")
    CANCELLED = "cancelled", gettext_lazy("已取消")


LISTED_STATUS = {
    ExecutionPhase.PLANNING: Oc4idsStatus.IMPLEMENTATION,
    ExecutionPhase.TENDERING: Oc4idsStatus.IMPLEMENTATION,
    ExecutionPhase.CONSTRUCTION: Oc4idsStatus.IMPLEMENTATION,
    ExecutionPhase.STOPPED: Oc4idsStatus.IMPLEMENTATION,
    ExecutionPhase.TERMINATED: Oc4idsStatus.IMPLEMENTATION,
    ExecutionPhase.COMPLETION_REPORTED: Oc4idsStatus.COMPLETION,
    ExecutionPhase.ACCEPTANCE: Oc4idsStatus.COMPLETION,
    ExecutionPhase.SETTLEMENT: Oc4idsStatus.COMPLETION,
    ExecutionPhase.CLOSED: Oc4idsStatus.MAINTENANCE,
}
WORKS_FINISHED = frozenset(
    {
        ExecutionPhase.COMPLETION_REPORTED,
        ExecutionPhase.ACCEPTANCE,
        ExecutionPhase.SETTLEMENT,
        ExecutionPhase.CLOSED,
    }
)

# The columns the package is built from, and nothing else: no user and no contact person.
PROJECT_FIELDS = (
    "control_number",
    "name",
    "summary",
    "total_budget",
    "planned_start",
    "planned_completion",
    "actual_completion",
    "phase",
    "control_status",
    "updated_at",
    "host_agency__code",
    "host_agency__name",
)
REPORT_FIELDS = ("project_id", "period", "actual_percent", "paid", "payable_unpaid", "reviewed_at")


def data_version() -> str:
    """A short text that changes whenever the package would: a project edited, listed or
    delisted (its ``updated_at``), a report accepted or sent back (its transition), a report
    imported, an S-curve re-planned. The view keeps the built package under it (see
    ``projects/views/open_data.py``); names of agencies and districts are left to the cache's
    expiry."""
    from django.db.models import Count, Max

    from projects.models import ReportTransition

    figures = [
        Project.objects.aggregate(n=Count("pk"), last=Max("updated_at")),
        ReportTransition.objects.aggregate(n=Count("pk"), last=Max("pk")),
        MonthlyReport.objects.aggregate(n=Count("pk"), last=Max("pk")),
        PlanBaseline.objects.aggregate(n=Count("pk"), last=Max("pk")),
    ]
    text = "|".join(f"{f['n']}:{f['last']}" for f in figures)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def load_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def published_projects():
    """The projects the package carries (see the module docstring), by 列管編號."""
    return Project.objects.filter(control_status__in=PUBLISHED_STATUSES).order_by("control_number")


def with_package_data(projects):
    """``projects`` with everything the package reads, in a fixed number of queries."""
    return (
        projects.select_related("host_agency")
        .only(*PROJECT_FIELDS)
        .prefetch_related(
            Prefetch("districts", queryset=District.objects.only("code", "name", "sort_order")),
            Prefetch(
                "baselines",
                queryset=PlanBaseline.objects.filter(is_current=True)
                .only("project_id", "version")
                .prefetch_related(
                    Prefetch(
                        "points",
                        queryset=PlannedPoint.objects.only(
                            "baseline_id", "month", "planned_percent"
                        ).order_by("month"),
                    )
                ),
                to_attr="current_baselines",
            ),
            Prefetch(
                "reports",
                queryset=MonthlyReport.objects.filter(state=ReportState.ACCEPTED)
                .only(*REPORT_FIELDS)
                .order_by("period"),
                to_attr="accepted_reports",
            ),
        )
    )


def project_id(project: Project) -> str:
    return settings.OC4IDS_PREFIX + project.control_number


def project_status(project: Project) -> Oc4idsStatus:
    if project.control_status == ControlStatus.DELISTED:
        if project.phase in WORKS_FINISHED or project.actual_completion is not None:
            return Oc4idsStatus.MAINTENANCE
        return Oc4idsStatus.CANCELLED
    return LISTED_STATUS[project.phase]


def _iso(value: datetime.datetime) -> str:
    return value.astimezone(TAIPEI).isoformat(timespec="seconds")


def _start_of(day: datetime.date) -> str:
    return _iso(datetime.datetime.combine(day, datetime.time.min, tzinfo=TAIPEI))


def _end_of(day: datetime.date) -> str:
    return _iso(datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=TAIPEI))


def _month_period(month: datetime.date) -> dict:
    last_day = calendar.monthrange(month.year, month.month)[1]
    return {"startDate": _start_of(month), "endDate": _end_of(month.replace(day=last_day))}


def _money(amount: int) -> dict:
    return {"amount": amount, "currency": CURRENCY}


def _percent_observation(month: datetime.date, percent) -> dict:
    return {
        "id": f"{month:%Y-%m}",
        "period": _month_period(month),
        "measure": float(percent),
        "unit": {"name": "percent"},
    }


def _forecasts(project: Project) -> list[dict]:
    """The current planned S-curve, or nothing: listing through the portal requires one, but an
    imported project may lack it, and a metric without observations is not valid OC4IDS."""
    baseline = project.current_baselines[0] if project.current_baselines else None
    points = list(baseline.points.all()) if baseline is not None else []
    if not points:
        return []
    return [
        {
            "id": PROGRESS_METRIC,
            "title": _("累計進度"),
            "description": _("每月累計預定完成百分比（預定進度第{version}版）。").format(
                version=baseline.version
            ),
            "observations": [
                _percent_observation(point.month, point.planned_percent) for point in points
            ],
        }
    ]


def _metrics(project: Project) -> list[dict]:
    """The accepted reports' actual progress, or nothing before the first is accepted."""
    if not project.accepted_reports:
        return []
    return [
        {
            "id": PROGRESS_METRIC,
            "title": _("累計進度"),
            "description": _("每月填報經研考會審核通過之實際累計完成百分比。"),
            "observations": [
                _percent_observation(report.period, report.actual_percent)
                for report in project.accepted_reports
            ],
        }
    ]


def _completion(project: Project) -> dict:
    completion = {}
    if project.actual_completion is not None:
        completion["endDate"] = _end_of(project.actual_completion)
        completion["endDateDetails"] = _("主辦機關登錄之實際完工日期。")
    else:
        completion["endDateDetails"] = _("已完工，尚未登錄實際完工日期。")
    if project.accepted_reports:
        last = project.accepted_reports[-1]
        completion["finalValue"] = _money(last.paid + last.payable_unpaid)
        completion["finalValueDetails"] = _(
            "最後一份審核通過之每月填報（{month}）的實支數加應付未付數。"
        ).format(month=f"{last.period:%Y-%m}")
    return completion


def _updated(project: Project) -> datetime.datetime:
    """The latest change the package shows: the project's own data or an accepted report."""
    reviewed = [r.reviewed_at for r in project.accepted_reports if r.reviewed_at is not None]
    return max([project.updated_at, *reviewed])


def project_json(project: Project) -> dict:
    """One project, loaded through ``with_package_data``, as an OC4IDS project."""
    agency = project.host_agency
    authority = {"id": agency.code, "name": agency.name}
    status = project_status(project)
    data = {
        "id": project_id(project),
        "updated": _iso(_updated(project)),
        "title": redact(project.name),
    }
    if project.summary:
        data["description"] = redact(project.summary)
    data["status"] = status.value
    data["period"] = {
        "startDate": _start_of(project.planned_start),
        "endDate": _end_of(project.planned_completion),
    }
    data["budget"] = {"amount": _money(project.total_budget)}
    data["parties"] = [{**authority, "roles": ["publicAuthority"]}]
    data["publicAuthority"] = authority
    districts = list(project.districts.all())
    if districts:
        data["locations"] = [{"id": d.code, "description": d.name} for d in districts]
    # OC4IDS wants at least one metric in each list: an empty one is left out.
    forecasts = _forecasts(project)
    if forecasts:
        data["forecasts"] = forecasts
    metrics = _metrics(project)
    if metrics:
        data["metrics"] = metrics
    if status == Oc4idsStatus.MAINTENANCE:
        data["completion"] = _completion(project)
    return data


def build_package(projects, *, uri: str, now: datetime.datetime | None = None) -> dict:
    """The project package of ``projects`` (loaded through ``with_package_data``), published
    at ``uri``."""
    package = {
        "uri": uri,
        "publishedDate": _iso(now or timezone.now()),
        "version": SCHEMA_VERSION,
        "publisher": {"name": str(PUBLISHER)},
        "license": LICENSE,
    }
    if settings.OC4IDS_PUBLICATION_POLICY_URL:
        package["publicationPolicy"] = settings.OC4IDS_PUBLICATION_POLICY_URL
    package["projects"] = [project_json(project) for project in projects]
    return package
