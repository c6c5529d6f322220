"""Meeting packet PDFs: what the quarterly packet says (read back with pdftotext), the status
page and its JSON, the download, who may use them, and a build that fails."""

from __future__ import annotations

import re
import subprocess
from datetime import date, datetime

import pytest
from django.urls import reverse

from projects.choices import MeetingKind, PacketKind, PacketState, ProjectKind
from projects.models import Directive, Packet, ReviewMeeting
from projects.packets import cache_dir, quarter_bounds, quarterly_title
from projects.tasks import build_packet
from tainan_rdec.workdays import TAIPEI
from tests.projects.factories import filed_report, make_project

SERIOUS_NAME = "安平港聯外道路拓寬工程"


def taipei(year, month, day, hour=9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=TAIPEI)


ON_SCHEDULE_NAME = "永康區排水改善工程"
FORWARD_NAME = "新營區親子館新建工程"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def quarter_projects(cast, agency_a, agency_b):
    """Three listed projects reporting in 113年第1季: one seriously behind (25% planned, 5%
    actual in March), one on schedule, one forward-looking with no accepted report yet."""
    serious = make_project(agency_a, name=SERIOUS_NAME, budget=1_234_560_000)
    for month, actual in ((1, 4), (2, 5)):
        filed_report(serious, date(2024, month, 1), actual)
    filed_report(
        serious,
        date(2024, 3, 1),
        5,
        lag_reasons="用地取得延宕，地上物拆遷未完成",
        remedies="協調地政局加速辦理徵收",
    )
    on_schedule = make_project(agency_b, name=ON_SCHEDULE_NAME, budget=80_000_000)
    for month in (1, 2, 3):
        filed_report(on_schedule, date(2024, month, 1), [8.33, 16.67, 25][month - 1])
    forward = make_project(
        agency_b,
        name=FORWARD_NAME,
        kind=ProjectKind.FORWARD,
        forward_category="childcare",
        budget=45_000_000,
    )
    directive = Directive.objects.create(
        project=serious,
        text="請工務局於下次會議前提出用地取得時程",
        responsible_agency=agency_a,
        due_date=date(2024, 4, 30),
    )
    # Raised in the quarter: the packet lists the directives open at the quarter's end.
    Directive.objects.filter(pk=directive.pk).update(raised_at=taipei(2024, 3, 15))
    return serious, on_schedule, forward


def quarterly_packet(by, year=2024, quarter=1) -> Packet:
    start, end = quarter_bounds(year, quarter)
    return Packet.objects.create(
        kind=PacketKind.QUARTERLY,
        period_start=start,
        period_end=end,
        title=quarterly_title(start),
        requested_by=by,
    )


def assert_well_formed(path) -> None:
    """Read the file strictly, as a picky reader would: pypdf in strict mode (every object,
    every page's content) and poppler, which reports a broken cross-reference table."""
    from pypdf import PdfReader

    reader = PdfReader(str(path), strict=True)
    for page in reader.pages:
        page.extract_text()
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True)
    assert info.returncode == 0 and not info.stderr, info.stderr
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
    assert not text.stderr, text.stderr


def pdf_text(packet: Packet) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", packet.file.path, "-"],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


@pytest.fixture
def built(cast, quarter_projects):
    packet = quarterly_packet(cast["reviewer"])
    build_packet.delay(packet.pk)
    packet.refresh_from_db()
    return packet


def test_reviewer_requests_a_quarterly_packet_and_it_is_built(
    client_as, quarter_projects, django_capture_on_commit_callbacks
):
    client = client_as("reviewer")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("projects:packet_list"),
            {"kind": PacketKind.QUARTERLY, "quarterly-year": "113", "quarterly-quarter": "1"},
        )
    packet = Packet.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:packet_detail", args=[packet.pk])
    assert packet.state == PacketState.READY, packet.error
    assert packet.title == "113年第1季重大公共建設推動會報資料"
    assert (packet.period_start, packet.period_end) == (date(2024, 1, 1), date(2024, 3, 31))
    assert packet.progress_done == packet.progress_total > 0


def test_quarterly_packet_text_names_projects_quarter_and_chinese_figures(built):
    assert built.state == PacketState.READY, built.error
    assert_well_formed(built.file.path)
    text = pdf_text(built)
    for name in (SERIOUS_NAME, ON_SCHEDULE_NAME, FORWARD_NAME):
        assert name in text
    assert "113年第1季" in text
    assert "12.35億元" in text  # the seriously-behind project's budget
    assert "12億3,456萬元" in text  # the same, spelled out
    assert "113年1月1日" in text and "113年12月31日" in text  # planned start and completion
    assert "113年3月" in text  # the reporting month
    assert "用地取得延宕" in text and "協調地政局加速辦理徵收" in text
    assert "請工務局於下次會議前提出用地取得時程" in text
    assert "因應少子化友善育兒空間建設" in text  # the eight forward-looking categories


def test_seriously_behind_section_comes_before_the_project_sections(built):
    text = pdf_text(built)
    serious_heading = text.index("貳、嚴重落後及停工案件")
    assert serious_heading < text.index(ON_SCHEDULE_NAME)
    assert text.index("壹、113年第1季執行概況") < serious_heading
    # The seriously behind project's own chapter comes before the on-schedule one's.
    chapters = [m.start() for m in re.finditer(r"T\d{3}-\d{4} ", text)]
    assert chapters
    assert text.index(SERIOUS_NAME, serious_heading) < text.index(ON_SCHEDULE_NAME)
    assert text.index("參、待追蹤管制事項一覽") > text.rindex(ON_SCHEDULE_NAME)


def test_packet_has_several_numbered_pages_and_a_running_header(built):
    assert built.pages > 1
    text = pdf_text(built)
    pages = text.split("\f")
    for number, page in enumerate(pages[: built.pages], start=1):
        assert re.search(rf"(?<!\d){number}\s*/\s*{built.pages}(?!\d)", page), number
    # The running header (the packet's title) on every page after the cover.
    assert all(built.title in page for page in pages[1 : built.pages])


def test_rebuilding_unchanged_data_reuses_the_cached_sections(cast, built):
    before = {p.name: p.stat().st_mtime_ns for p in cache_dir().iterdir()}
    again = quarterly_packet(cast["reviewer"])
    build_packet.delay(again.pk)
    again.refresh_from_db()
    assert again.state == PacketState.READY
    assert {p.name for p in cache_dir().iterdir()} == set(before)
    assert again.pages == built.pages
    assert_well_formed(again.file.path)  # merged from cached sections


def test_changed_project_renders_only_its_section_again(cast, built, quarter_projects):
    _serious, on_schedule, _forward = quarter_projects
    before = {p.name for p in cache_dir().iterdir()}
    on_schedule.name = "永康區排水改善工程（第二期）"
    on_schedule.save(update_fields=["name"])
    again = quarterly_packet(cast["reviewer"])
    build_packet.delay(again.pk)
    new = {p.name for p in cache_dir().iterdir()} - before
    assert len(new) == 1
    again.refresh_from_db()
    assert "（第二期）" in pdf_text(again)
    assert_well_formed(again.file.path)


def test_status_page_shows_progress_and_polls_its_json(client_as, cast):
    packet = quarterly_packet(cast["reviewer"])
    Packet.objects.filter(pk=packet.pk).update(
        state=PacketState.BUILDING, progress_done=3, progress_total=12
    )
    client = client_as("reviewer")
    url = reverse("projects:packet_detail", args=[packet.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "製作中 3/12" in html
    assert 'aria-live="polite"' in html
    assert "js/packets.js" in html
    assert "http-equiv" not in html
    data = client.get(url, {"format": "json"}).json()
    assert data["state"] == PacketState.BUILDING
    assert data["status"] == "製作中 3/12"
    assert (data["done"], data["total"], data["finished"]) == (3, 12, False)
    assert data["download_url"] == ""


def test_queued_packet_says_so(client_as, cast):
    packet = quarterly_packet(cast["reviewer"])
    page = client_as("admin").get(reverse("projects:packet_detail", args=[packet.pk]))
    assert "排隊中" in page.content.decode()


def test_reviewer_downloads_the_ready_packet_under_its_chinese_name(client_as, built):
    client = client_as("reviewer")
    data = client.get(reverse("projects:packet_detail", args=[built.pk]), {"format": "json"}).json()
    assert data["finished"] and data["download_url"]
    assert data["status"] == f"已完成（共 {built.pages} 頁）"
    response = client.get(data["download_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    # RFC 6266 / 5987: the UTF-8 name percent-encoded.
    assert "filename*=utf-8''113%E5%B9%B4" in disposition
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF")


def test_packet_list_shows_the_packets_and_the_forms(client_as, built):
    page = client_as("reviewer").get(reverse("projects:packet_list"))
    html = page.content.decode()
    assert page.status_code == 200
    assert built.title in html
    assert reverse("projects:packet_download", args=[built.pk]) in html
    assert 'name="quarterly-year"' in html


@pytest.mark.parametrize("who", ["staff_a", "manager_a", "staff_b", "manager_b"])
@pytest.mark.parametrize("name", ["packet_list", "packet_detail", "packet_download"])
def test_bureau_users_get_403(client_as, cast, who, name):
    # A packet still queued is enough: the role is refused before the packet is looked at.
    packet = quarterly_packet(cast["reviewer"])
    args = [] if name == "packet_list" else [packet.pk]
    assert client_as(who).get(reverse(f"projects:{name}", args=args)).status_code == 403


def test_bureau_user_cannot_request_a_packet(client_as, cast):
    response = client_as("manager_a").post(
        reverse("projects:packet_list"),
        {"kind": PacketKind.QUARTERLY, "quarterly-year": "113", "quarterly-quarter": "1"},
    )
    assert response.status_code == 403
    assert not Packet.objects.exists()


def test_second_request_while_building_returns_the_same_packet(client_as, cast):
    packet = quarterly_packet(cast["reviewer"])
    response = client_as("reviewer").post(
        reverse("projects:packet_list"),
        {"kind": PacketKind.QUARTERLY, "quarterly-year": "113", "quarterly-quarter": "1"},
    )
    assert response["Location"] == reverse("projects:packet_detail", args=[packet.pk])
    assert Packet.objects.count() == 1


def test_task_leaves_a_ready_packet_alone(built):
    finished = built.finished_at
    build_packet.delay(built.pk)
    built.refresh_from_db()
    assert (built.state, built.finished_at) == (PacketState.READY, finished)


def test_monthly_agenda_packet_lists_the_agenda_and_last_meetings_directives(
    client_as, cast, quarter_projects, django_capture_on_commit_callbacks
):
    serious, _on_schedule, _forward = quarter_projects
    earlier = ReviewMeeting.objects.create(
        kind=MeetingKind.MONTHLY, date=date(2024, 3, 20), title="113年3月檢討會議"
    )
    Directive.objects.create(
        project=serious,
        meeting=earlier,
        text="請於4月底前完成地上物查估",
        responsible_agency=serious.host_agency,
        due_date=date(2024, 4, 30),
    )
    meeting = ReviewMeeting.objects.create(
        kind=MeetingKind.MONTHLY, date=date(2024, 4, 18), title="113年4月檢討會議"
    )
    meeting.items.create(project=serious, reason="seriously_behind", note="落後20個百分點")
    with django_capture_on_commit_callbacks(execute=True):
        client_as("reviewer").post(
            reverse("projects:packet_list"),
            {"kind": PacketKind.MONTHLY_AGENDA, "agenda-meeting": str(meeting.pk)},
        )
    packet = Packet.objects.get()
    assert packet.state == PacketState.READY, packet.error
    assert_well_formed(packet.file.path)
    text = pdf_text(packet)
    assert "113年4月檢討會議議程" in text
    assert "113年4月18日" in text
    assert "請於4月底前完成地上物查估" in text
    assert SERIOUS_NAME in text
    assert ON_SCHEDULE_NAME not in text
    assert text.index("上次會議管制事項辦理情形") < text.index("提案討論案件")


def test_failing_build_marks_the_packet_failed_with_the_error(cast):
    meeting = ReviewMeeting.objects.create(
        kind=MeetingKind.MONTHLY, date=date(2024, 4, 18), title="113年4月檢討會議"
    )
    packet = Packet.objects.create(
        kind=PacketKind.MONTHLY_AGENDA,
        period_start=date(2024, 1, 1),
        period_end=meeting.date,
        meeting=meeting,
        title="113年4月檢討會議議程資料",
        requested_by=cast["reviewer"],
    )
    meeting.delete()  # the packet's meeting is set to NULL
    build_packet.delay(packet.pk)
    packet.refresh_from_db()
    assert packet.state == PacketState.FAILED
    assert "會議已刪除" in packet.error
    assert packet.finished_at is not None
    assert not packet.file


def test_build_fails_cleanly_when_the_files_cannot_be_written(cast, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker
    packet = quarterly_packet(cast["reviewer"])
    build_packet.delay(packet.pk)
    packet.refresh_from_db()
    assert packet.state == PacketState.FAILED
    assert "Error" in packet.error


def test_the_requester_is_mailed_a_link_once_the_packet_is_ready(
    cast, quarter_projects, mailoutbox, django_capture_on_commit_callbacks
):
    packet = quarterly_packet(cast["reviewer"])
    with django_capture_on_commit_callbacks(execute=True):
        build_packet.delay(packet.pk)
    packet.refresh_from_db()

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["reviewer@rdec.tainan.gov.tw"]
    assert message.subject == "【會議資料】113年第1季重大公共建設推動會報資料已製作完成"
    assert f"/projects/packets/{packet.pk}/" in message.body
    assert f"共 {packet.pages} 頁" in message.body


def page_texts(packet: Packet) -> list[str]:
    return pdf_text(packet).split("\f")


def test_a_past_quarters_packet_rebuilt_later_says_the_same(cast, agency_a, agency_b):
    """A 113年第3季 packet built in October, and built again in December after October's and
    November's reports, a met checkpoint, a closed directive, a re-plan, a delisting and a new
    listing: every page but the cover (which says when it was made) is the same."""
    import time_machine

    from projects import services
    from projects.choices import MilestoneStatus
    from projects.models import Milestone, Project

    reviewer = cast["reviewer"]
    with time_machine.travel(taipei(2024, 10, 15), tick=False):
        late = make_project(agency_a, name=SERIOUS_NAME, start=date(2024, 1, 1))
        for month, actual in ((7, 40), (8, 45), (9, 48)):
            filed_report(late, date(2024, month, 1), actual, lag_reasons="用地取得延宕")
        steady = make_project(agency_b, name=ON_SCHEDULE_NAME, start=date(2024, 1, 1))
        for month in (7, 8, 9):
            filed_report(steady, date(2024, month, 1), round(100 * month / 12, 2))
        checkpoint = Milestone.objects.create(
            project=late, name="主體結構完成", planned_date=date(2024, 9, 1)
        )
        with time_machine.travel(taipei(2024, 9, 20), tick=False):
            directive = Directive.objects.create(
                project=late,
                text="請工務局提出趕工計畫",
                responsible_agency=agency_a,
                due_date=date(2024, 10, 31),
            )
        first = quarterly_packet(reviewer, 2024, 3)
        build_packet.delay(first.pk)
        first.refresh_from_db()
    assert first.state == PacketState.READY, first.error

    with time_machine.travel(taipei(2024, 12, 10), tick=False):
        for month, actual in ((10, 80), (11, 95)):
            filed_report(late, date(2024, month, 1), actual, lag_reasons="趕工完成")
        checkpoint.status, checkpoint.actual_date = MilestoneStatus.MET, date(2024, 11, 5)
        checkpoint.save()
        directive.status, directive.closed_at = "closed", taipei(2024, 11, 20)
        directive.save()
        services.create_baseline(
            late,
            [(date(2024, m, 1), min(100, 10 * m), 0) for m in range(1, 13)],
            by=reviewer,
            reason="變更設計",
        )
        services.delist_project(steady, by=reviewer, reason="工程已完工並驗收合格")
        newcomer = make_project(agency_b, name="新化區運動公園新建工程", listed=False)
        services.list_project(newcomer, by=reviewer)
        assert Project.objects.get(pk=newcomer.pk).control_status == "listed"
        second = quarterly_packet(reviewer, 2024, 3)
        build_packet.delay(second.pk)
        second.refresh_from_db()
    assert second.state == PacketState.READY, second.error
    assert_well_formed(second.file.path)

    before, after = page_texts(first), page_texts(second)
    assert "113年10月15日" in before[0] and "113年12月10日" in after[0]  # the covers differ
    assert before[1:] == after[1:]
    text = "\f".join(after[1:])
    assert ON_SCHEDULE_NAME in text and "新化區運動公園新建工程" not in text
    # September's report is the latest quoted; October's and November's months appear nowhere.
    assert "113年9月" in text and not re.search(r"113年1[01]月(?!\d)", text)
    assert "請工務局提出趕工計畫" in text and "主體結構完成" in text


def longest_narrative(seed: str) -> str:
    """As long as the filing form allows: Chinese prose with an unbroken web address and a long
    run of digits in it (neither has a place to break a line)."""
    from projects.models.core import NARRATIVE_MAX_LENGTH

    address = "https://www.tainan.gov.tw/" + "a" * 180 + "/plan.pdf"
    digits = "1" * 120
    prose = (seed + "，") * 40
    text = (prose + address + "。" + digits + "。") * 20
    return text[:NARRATIVE_MAX_LENGTH]


def word_boxes(path) -> list[tuple[int, float, float, dict]]:
    """(page number, page width, page height, word box) for every word pdftotext finds."""
    import xml.etree.ElementTree as ElementTree

    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    root = ElementTree.fromstring(html.replace('xmlns="http://www.w3.org/1999/xhtml"', ""))
    boxes = []
    for number, page in enumerate(root.iter("page"), start=1):
        width, height = float(page.get("width")), float(page.get("height"))
        for word in page.iter("word"):
            box = {k: float(word.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")}
            box["text"] = word.text or ""
            boxes.append((number, width, height, box))
    return boxes


def test_no_text_runs_past_the_page_even_with_the_longest_narratives(cast, agency_a):
    """Every word of a packet whose seriously-behind project files the longest narratives the
    form allows lies inside the page, between the side margins (14 mm)."""
    late = make_project(agency_a, name=SERIOUS_NAME)
    for month, actual in ((1, 4), (2, 5), (3, 5)):
        filed_report(
            late,
            date(2024, month, 1),
            actual,
            progress_text=longest_narrative("目前辦理情形"),
            lag_reasons=longest_narrative("用地取得延宕"),
            remedies=longest_narrative("協調地政局加速辦理"),
            help_needed=longest_narrative("請協助"),
        )
    packet = quarterly_packet(cast["reviewer"])
    build_packet.delay(packet.pk)
    packet.refresh_from_db()
    assert packet.state == PacketState.READY, packet.error
    assert_well_formed(packet.file.path)

    boxes = word_boxes(packet.file.path)
    margin = 14 / 25.4 * 72 - 1  # 14 mm in points, less a point of rounding
    outside = [
        (page, box["text"][:20], round(box["xMin"]), round(box["xMax"]), round(box["yMax"]))
        for page, width, height, box in boxes
        if box["xMin"] < margin
        or box["xMax"] > width - margin
        or box["yMin"] < 0
        or box["yMax"] > height
    ]
    assert not outside
    # Nothing was cut: each narrative's end is there, however it was wrapped.
    text = "".join(pdf_text(packet).split())
    for seed in ("目前辦理情形", "用地取得延宕", "協調地政局加速辦理", "請協助"):
        assert longest_narrative(seed)[-40:] in text
