"""Meeting packet PDFs (會議資料): the quarterly promotion meeting packet (重大公共建設推動會報)
and the monthly review meeting agenda (重大建設暨基本設施檢討會議議程), built with WeasyPrint.

``build_quarterly_packet(packet_pk)`` and ``build_monthly_agenda(packet_pk)`` are called by the
Celery task ``projects.tasks.build_packet``. Each claims its ``Packet`` row, builds the
PDF, stores it and marks the row READY (or FAILED with the error).

**Sections.** WeasyPrint lays out about two pages a second here, and a 400-project packet as one
document takes minutes, so a packet is a list of separate HTML documents (sections) rendered one
by one and merged with pypdf. The quarterly packet's sections, in order: the cover, the one-page
summary, the seriously-behind section (嚴重落後及停工案件, always before the project pages), the
projects — one chapter per listed project, seriously behind and stopped ones first — and last the
action list of open directives. The project chapters are rendered ``PROJECTS_PER_SECTION`` to a
document: every WeasyPrint document pays a fixed cost (parsing, styling, subsetting and embedding
the CJK fonts) of most of a second here, and each document embeds its own font subsets, so one
document per project was twice as slow and several times bigger, and pypdf spends most of the
merge parsing those fonts. A change to one project re-renders its document of 16.
Each chapter still starts on a new page.

**Parallel rendering.** Sections not in the cache are rendered by a pool of ``render_workers()``
processes (2 on this machine). The parent loads every figure from the database and renders the
HTML; the children only turn HTML strings into PDF bytes (``projects.pdf_render``, which
imports no Django). They are started from a fork server, not forked from the parent: a forked
child shares the parent's database socket, and its exit can end the parent's session.
Where a process may not start children (a daemonic Celery prefork child) the sections are
rendered in process, one after another.

**Cache.** A section's PDF is stored under ``MEDIA_ROOT/packets/cache/<sha256>.pdf``, the hash
taken over the section's HTML (which holds every figure it shows), the WeasyPrint version and
``CACHE_VERSION``. A rebuild renders only the sections whose HTML changed; the others are read
from the cache. Nothing in a section's HTML may vary from build to build (no build time),
except on the cover. Files not used for ``CACHE_DAYS`` days are deleted.

**Page numbers and running header.** The running header (packet title and the current chapter)
and the footer line are CSS ``@page`` margin boxes in each section (``pdf/pdf.css``, with the
header as a running element so the text is escaped like any HTML). Page numbers are stamped after
the merge instead: a section's page numbers depend on the pages before it, so numbering inside
the section would change its HTML whenever an earlier section grew, defeating the cache and the
parallel rendering. The stamp is ``n / N`` in Helvetica (a PDF standard font: nothing embedded),
centred at the foot of each page.
"""

from __future__ import annotations

import hashlib
import io
import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from projects.charts import build_s_curve
from projects.choices import (
    AgendaReason,
    ControlStatus,
    LagStatus,
    PacketKind,
    PacketState,
    ReportState,
    RiskLevel,
    StatusField,
)
from projects.dashboard import SERIOUS_STATUSES, build_dashboard
from projects.followup import agenda_for, days_overdue, open_directives_before
from projects.history import (
    as_they_stood,
    baselines_on,
    directives_open_on,
    end_of,
    milestones_on,
)
from projects.models import MonthlyReport, Packet, Project, StatusChange
from projects.pdf_render import render_pdf
from projects.reminders import notify_packet_ready
from projects.warning import rate_many
from tainan_rdec.dispatch import send_on_commit
from tainan_rdec.lifeline import Lifeline, follow
from tainan_rdec.months import month_start
from tainan_rdec.roc import format_roc_month, to_roc_year
from tainan_rdec.scoping import is_commission

log = logging.getLogger(__name__)

CACHE_VERSION = "1"
CACHE_DAYS = 30
PROJECTS_PER_SECTION = 16
CHART_HEIGHT = 230  # S-curve viewBox height: lower than on the web page, to fit the chapter
TEMPLATE_DIR = "projects/pdf/"
# Page-number stamp: Helvetica digit, space and slash widths in 1/1000 em, font size in pt, and
# the baseline's height above the bottom edge (inside the 20 mm foot margin of pdf.css).
_HELVETICA_WIDTHS = {**{str(d): 556 for d in range(10)}, " ": 278, "/": 278}
STAMP_SIZE = 9
STAMP_BASELINE = 22


class PacketError(Exception):
    """A packet that cannot be built from the data as it stands (the message is for users)."""


# -- quarters ----------------------------------------------------------------------------------


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of a (Gregorian) year's quarter 1–4."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1 to 4")
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end - timedelta(days=1)


def quarter_label(day: date) -> str:
    """The ROC quarter a day falls in: ``113年第1季``."""
    return _("{year}年第{quarter}季").format(
        year=to_roc_year(day.year), quarter=(day.month - 1) // 3 + 1
    )


def quarterly_title(start: date) -> str:
    return _("{quarter}重大公共建設推動會報資料").format(quarter=quarter_label(start))


def agenda_title(meeting) -> str:
    return _("{meeting}議程資料").format(meeting=meeting.title)


# -- the section documents ---------------------------------------------------------------------


@dataclass
class Section:
    """One HTML document of a packet; ``label`` names it in logs and errors."""

    label: str
    html: str


def _section(template: str, context: dict, *, packet_title: str, heading: str) -> Section:
    html = render_to_string(
        TEMPLATE_DIR + template,
        {**context, "packet_title": packet_title, "running_heading": heading},
    )
    return Section(heading, html)


@dataclass
class ProjectChapter:
    """What one project's chapter shows; built in the parent from bulk queries."""

    project: Project
    rating: object  # projects.warning.Rating
    chart: object  # projects.charts.SCurve
    milestones: list
    reports: list  # this period's reports (submitted, returned or accepted), oldest first
    directives: list = field(default_factory=list)  # [(directive, days overdue)]
    today: date | None = None

    @property
    def assessment(self):
        return self.rating.assessment

    @property
    def status(self) -> LagStatus:
        return self.rating.assessment.status

    @property
    def is_serious(self) -> bool:
        return self.status in SERIOUS_STATUSES

    @property
    def latest(self):
        """The latest report of the period with a narrative (the one the chapter quotes)."""
        return self.reports[-1] if self.reports else None

    @property
    def milestone_rows(self) -> list:
        return [(m, m.is_overdue(self.today)) for m in self.milestones]


def _chapters(projects: list[Project], ratings: dict, start: date, end: date, today: date):
    """One ``ProjectChapter`` per project, from a fixed number of queries."""
    ids = [p.pk for p in projects]
    reports: dict[int, list[MonthlyReport]] = {}
    for report in (
        MonthlyReport.objects.filter(project_id__in=ids)
        .exclude(state=ReportState.DRAFT)
        .order_by("project_id", "period")
    ):
        reports.setdefault(report.project_id, []).append(report)
    directives: dict[int, list] = {}
    for directive in (
        directives_open_on(today)
        .filter(project_id__in=ids)
        .select_related("responsible_agency", "meeting")
        .order_by("due_date", "pk")
    ):
        directives.setdefault(directive.project_id, []).append(
            (directive, days_overdue(directive, today))
        )
    chapters = []
    for project in projects:
        # Nothing after the period: a later month's report or S-curve version (its end is the
        # quarter's, or the meeting's month, for the agenda).
        own = [r for r in reports.get(project.pk, []) if r.period <= end]
        baselines = baselines_on(project.baselines.all(), today)
        chapters.append(
            ProjectChapter(
                project=project,
                rating=ratings[project.pk],
                chart=build_s_curve(baselines, own, height=CHART_HEIGHT),
                milestones=milestones_on(project.milestones.all(), today),
                reports=[r for r in own if start <= r.period <= end],
                directives=directives.get(project.pk, []),
                today=today,
            )
        )
    return chapters


def _load_projects(queryset) -> list[Project]:
    return list(
        queryset.select_related("host_agency").prefetch_related(
            "baselines__points", "milestones", "co_agencies"
        )
    )


def _listed_since(day: date):
    """The projects that may have been listed at the end of ``day``: those listed now and those
    whose control status changed since (``as_they_stood`` tells which were)."""
    changed = StatusChange.objects.filter(
        field=StatusField.CONTROL_STATUS, at__gte=end_of(day)
    ).values("project")
    return Project.objects.filter(
        Q(control_status=ControlStatus.LISTED) | Q(pk__in=changed)
    ).order_by("control_number")


def _chapter_sections(chapters, *, packet_title: str, period_label: str) -> list[Section]:
    sections = []
    for i in range(0, len(chapters), PROJECTS_PER_SECTION):
        batch = chapters[i : i + PROJECTS_PER_SECTION]
        heading = _("個案資料（{first}至{last}）").format(
            first=batch[0].project.control_number, last=batch[-1].project.control_number
        )
        sections.append(
            _section(
                "projects.html",
                {"chapters": batch, "period_label": period_label},
                packet_title=packet_title,
                heading=heading,
            )
        )
    return sections


def _serious_first(chapters: list[ProjectChapter], serious_order: list[int]) -> list:
    rank = {pk: i for i, pk in enumerate(serious_order)}
    return sorted(
        chapters,
        key=lambda c: (rank.get(c.project.pk, len(rank)), c.project.control_number),
    )


def quarterly_sections(packet: Packet, *, today: date) -> list[Section]:
    """The quarterly packet's section documents, in order.

    The figures are those of the quarter's end, whenever the packet is built: the projects
    listed then, each one's latest accepted report for a month inside the quarter, the
    checkpoints and directives open then (``projects.history``); so a past quarter's packet
    rebuilt later says the same."""
    start, end = packet.period_start, packet.period_end
    as_of = min(today, end)
    until = month_start(end)
    title = packet.title or quarterly_title(start)
    period_label = quarter_label(start)
    dashboard = build_dashboard(Project.objects.all(), today=as_of, until=until)
    projects = [
        p
        for p in as_they_stood(_load_projects(_listed_since(as_of)), as_of)
        if p.control_status == ControlStatus.LISTED
    ]
    ratings = rate_many(projects, today=as_of, rules=dashboard.rules, until=until)
    chapters = _chapters(projects, ratings, start, end, as_of)
    by_pk = {c.project.pk: c for c in chapters}
    serious = [by_pk[project.pk] for project, _rating in dashboard.seriously_behind]
    chapters = _serious_first(chapters, [c.project.pk for c in serious])
    actions = (
        directives_open_on(as_of)
        .select_related("project", "responsible_agency", "meeting")
        .order_by("due_date", "pk")
    )
    common = {"period_label": period_label, "period_start": start, "period_end": end}
    sections = [
        _section(
            "cover.html",
            {
                **common,
                "meeting_name": _("臺南市政府重大公共建設推動會報"),
                "meeting": packet.meeting,
                "today": today,
            },
            packet_title=title,
            heading=_("封面"),
        ),
        _section(
            "summary.html",
            {**common, "dashboard": dashboard, "risk_levels": _risk_rows(dashboard)},
            packet_title=title,
            heading=_("執行概況"),
        ),
        _section(
            "serious.html",
            {**common, "chapters": serious},
            packet_title=title,
            heading=_("嚴重落後及停工案件"),
        ),
        *_chapter_sections(chapters, packet_title=title, period_label=period_label),
        _section(
            "actions.html",
            {**common, "rows": [(d, days_overdue(d, as_of)) for d in actions], "today": as_of},
            packet_title=title,
            heading=_("待追蹤管制事項"),
        ),
    ]
    return sections


def _risk_rows(dashboard) -> list[tuple[str, int]]:
    return [(str(level.label), dashboard.risk_counts.get(level.value, 0)) for level in RiskLevel]


def monthly_agenda_sections(packet: Packet, *, today: date) -> list[Section]:
    """The monthly review meeting's agenda packet: the agenda with each project's figures, lag
    reasons and remedies, the previous meeting's open directives, then a chapter per project."""
    meeting = packet.meeting
    if meeting is None:
        raise PacketError(_("此議程資料的會議已刪除，無法製作。"))
    reader = packet.requested_by
    if not is_commission(reader):
        raise PacketError(_("申請人已非研考會審查人員，請重新申請製作。"))
    title = packet.title or agenda_title(meeting)
    groups = agenda_for(meeting, user=reader, today=today)
    agenda_ids = [row.project.pk for _reason, rows in groups for row in rows]
    order = {pk: i for i, pk in enumerate(agenda_ids)}
    projects = sorted(
        _load_projects(Project.objects.filter(pk__in=agenda_ids)), key=lambda p: order[p.pk]
    )
    ratings = rate_many(projects, today=today)
    chapters = _chapters(projects, ratings, packet.period_start, packet.period_end, today)
    previous = (
        open_directives_before(meeting)
        .select_related("project", "responsible_agency", "meeting")
        .order_by("due_date", "pk")
    )
    period_label = format_roc_month(meeting.date)
    common = {"meeting": meeting, "period_label": period_label}
    return [
        _section(
            "cover.html",
            {**common, "meeting_name": meeting.get_kind_display(), "today": today},
            packet_title=title,
            heading=_("封面"),
        ),
        _section(
            "agenda.html",
            {
                **common,
                "groups": [(AgendaReason(reason).label, rows) for reason, rows in groups],
                "previous": [(d, days_overdue(d, today)) for d in previous],
                "today": today,
            },
            packet_title=title,
            heading=_("會議議程"),
        ),
        *_chapter_sections(chapters, packet_title=title, period_label=period_label),
    ]


# -- rendering, cache and merge ----------------------------------------------------------------


def render_workers() -> int:
    """Processes rendering sections at once: ``PACKET_RENDER_WORKERS`` or up to 2 cores."""
    configured = settings.PACKET_RENDER_WORKERS
    if configured:
        return max(1, int(configured))
    return max(1, min(2, os.cpu_count() or 1))


def cache_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "packets" / "cache"


def cache_key(html: str) -> str:
    import weasyprint

    digest = hashlib.sha256()
    for part in (CACHE_VERSION, weasyprint.__version__, html):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def _store(path: Path, data: bytes) -> None:
    # Write then rename, so a concurrent build never reads half a file.
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, path)


def render_sections(
    sections: list[Section],
    *,
    on_done: Callable[[], None] = lambda: None,
    workers: int | None = None,
) -> list[Path]:
    """The PDF file of each section, from the cache or rendered (in parallel where possible).
    ``on_done`` is called once per finished section."""
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    base_url = str(Path(settings.BASE_DIR) / "static")
    paths: list[Path] = []
    todo: list[tuple[int, str]] = []
    for i, section in enumerate(sections):
        path = folder / f"{cache_key(section.html)}.pdf"
        paths.append(path)
        if path.exists():
            path.touch()  # keeps a section in use out of the pruning
            on_done()
        else:
            todo.append((i, section.html))

    workers = min(workers or render_workers(), len(todo))
    if workers > 1:
        try:
            todo = _render_in_pool(todo, paths, base_url, workers, on_done)
        except AssertionError:
            # "daemonic processes are not allowed to have children" (a Celery prefork child).
            log.info("packet sections: cannot start render processes; rendering in process")
    for i, html in todo:
        if not paths[i].exists():
            _store(paths[i], render_pdf(html, base_url))
            on_done()
    return paths


def _render_in_pool(todo, paths, base_url, workers, on_done) -> list:
    """Render ``todo`` in ``workers`` processes; returns what is left to render."""
    left = dict(todo)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["projects.pdf_render", "tainan_rdec.lifeline"])
    # A build killed mid-render (SIGKILL, out of memory) takes its render processes with it.
    lifeline = Lifeline(context)
    try:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=follow, initargs=(lifeline.end,)
        ) as pool:
            futures = {pool.submit(render_pdf, html, base_url): i for i, html in todo}
            for future in as_completed(futures):
                i = futures[future]
                _store(paths[i], future.result())
                left.pop(i)
                on_done()
    finally:
        lifeline.cut()
    return list(left.items())


def prune_cache(days: int = CACHE_DAYS) -> int:
    """Delete cached sections not used for ``days`` days; returns how many."""
    folder = cache_dir()
    if not folder.is_dir():
        return 0
    cutoff = time.time() - days * 86400
    removed = 0
    for entry in os.scandir(folder):
        if entry.is_file() and entry.stat().st_mtime < cutoff:
            Path(entry.path).unlink(missing_ok=True)
            removed += 1
    return removed


def merge_pdfs(paths: list[Path]) -> tuple[bytes, int]:
    """Merge the section files in order and stamp ``n / N`` on every page."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for path in paths:
        writer.append(PdfReader(io.BytesIO(path.read_bytes())))
    stamp_page_numbers(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)


def stamp_page_numbers(writer) -> None:
    """Draw ``n / N`` centred at the foot of each page of a pypdf ``PdfWriter``."""
    from pypdf import PageObject
    from pypdf.generic import ContentStream, DictionaryObject, NameObject

    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    resources = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/PacketPageNo"): font})}
    )
    total = len(writer.pages)
    for number, page in enumerate(writer.pages, start=1):
        box = page.mediabox
        text = f"{number} / {total}"
        width = sum(_HELVETICA_WIDTHS[c] for c in text) * STAMP_SIZE / 1000
        x = float(box.left) + (float(box.width) - width) / 2
        y = float(box.bottom) + STAMP_BASELINE
        stamp = PageObject.create_blank_page(width=box.width, height=box.height)
        stamp[NameObject("/Resources")] = resources
        content = ContentStream(None, None)
        content.set_data(
            f"BT /PacketPageNo {STAMP_SIZE} Tf 0.25 g {x:.2f} {y:.2f} Td ({text}) Tj ET".encode()
        )
        stamp.replace_contents(content)
        page.merge_page(stamp)


# -- requesting and building a packet ----------------------------------------------------------

IN_PROGRESS = (PacketState.QUEUED, PacketState.BUILDING)
BUILD_TASK = "projects.tasks.build_packet"


def request_packet(packet: Packet) -> tuple[Packet, bool]:
    """Save ``packet`` and send its build task after the commit; returns ``(packet, True)``, or
    ``(the same packet already queued or building, False)``.

    The row is the record of the work: a broker that is down does not fail the request, and the
    packet sweeper sends the task again (``tainan_rdec.dispatch``)."""
    with transaction.atomic():
        same = (
            Packet.objects.select_for_update()
            .filter(
                kind=packet.kind,
                period_start=packet.period_start,
                period_end=packet.period_end,
                meeting=packet.meeting,
                state__in=IN_PROGRESS,
            )
            .first()
        )
        if same is not None:
            return same, False
        packet.save()
        send_on_commit(BUILD_TASK, packet.pk)
    return packet, True


def _claim(packet_pk: int) -> bool:
    """QUEUED → BUILDING with a conditional UPDATE, so two deliveries of the task never build
    the same packet at once. A BUILDING row older than the task time limit was left by a worker
    that died: it may be claimed again."""
    now = timezone.now()
    stale = now - timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", None) or 1800)
    return bool(
        Packet.objects.filter(pk=packet_pk)
        .filter(Q(state=PacketState.QUEUED) | Q(state=PacketState.BUILDING, started_at__lt=stale))
        .update(
            state=PacketState.BUILDING,
            started_at=now,
            finished_at=None,
            progress_done=0,
            progress_total=0,
            error="",
        )
    )


def _file_name(packet: Packet) -> str:
    """An ASCII storage name; the download is offered under the packet's Chinese title."""
    return f"packet-{packet.pk}-{packet.kind}-{packet.period_start:%Y%m%d}.pdf"


def _build(packet_pk: int, collect: Callable[[Packet, date], list[Section]]) -> Packet | None:
    if not _claim(packet_pk):
        log.info("packet %s: not queued (already built or being built); skipped", packet_pk)
        return Packet.objects.filter(pk=packet_pk).first()
    rows = Packet.objects.filter(pk=packet_pk)
    packet = rows.select_related("meeting", "requested_by").get()
    try:
        with translation.override(settings.LANGUAGE_CODE):
            sections = collect(packet, timezone.localdate())
        rows.update(progress_total=len(sections))
        paths = render_sections(
            sections, on_done=lambda: rows.update(progress_done=F("progress_done") + 1)
        )
        data, pages = merge_pdfs(paths)
        packet.file.save(_file_name(packet), ContentFile(data), save=False)
        rows.update(
            state=PacketState.READY,
            file=packet.file.name,
            pages=pages,
            progress_done=len(sections),
            finished_at=timezone.now(),
        )
        notify_packet_ready(rows.select_related("requested_by").get())
        prune_cache()
    except OperationalError:
        # The database went away: put the row back in the queue for the task's retry.
        rows.update(state=PacketState.QUEUED, started_at=None)
        raise
    except Exception as exc:
        log.exception("packet %s failed", packet_pk)
        message = str(exc) if isinstance(exc, PacketError) else f"{type(exc).__name__}: {exc}"
        rows.update(state=PacketState.FAILED, error=message, finished_at=timezone.now())
    return rows.first()


def build_quarterly_packet(packet_pk: int) -> Packet | None:
    """Build a quarterly promotion meeting packet (see the module docstring)."""
    return _build(packet_pk, lambda packet, today: quarterly_sections(packet, today=today))


def build_monthly_agenda(packet_pk: int) -> Packet | None:
    """Build a monthly review meeting's agenda packet."""
    return _build(packet_pk, lambda packet, today: monthly_agenda_sections(packet, today=today))


BUILDERS = {
    PacketKind.QUARTERLY: build_quarterly_packet,
    PacketKind.MONTHLY_AGENDA: build_monthly_agenda,
}
