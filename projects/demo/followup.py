"""Demo follow-up: last month's monthly review meeting with its minutes, this month's with the
agenda ``propose_agenda`` builds, a quarterly promotion meeting, three site visits and fifteen
directives across nine agencies (answered, overdue, closed), all written through
``projects.followup`` and skipped as a whole once they exist.

Written through the follow-up services (so the demo obeys the same rules as the pages), then
the timestamps that ``auto_now_add`` stamps with the seeding time are set to the story's days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from projects import followup
from projects.choices import (
    AgendaReason,
    MeetingKind,
)
from projects.models import (
    Directive,
    DirectiveResponse,
    Project,
    ReviewMeeting,
    SiteVisit,
)
from tainan_rdec.choices import Role
from tainan_rdec.models import User
from tainan_rdec.months import add_months, month_start

# the timestamps that ``auto_now_add`` stamps with the seeding time are set to the story's days.

MONTHLY_CHAIR = "研考會主任委員"
QUARTERLY_CHAIR = "副市長"

LAST_MONTH_MINUTES = """一、上次會議管制事項辦理情形：洽悉，已辦結事項解除追蹤，其餘繼續追蹤。
二、嚴重落後及停工案件報告：
（一）永康區大灣排水抽水站新建工程：請水利局督促承商增派人力，汛期前完成抽水機組安裝。
（二）臺南市立體育場田徑場整建工程：履約爭議請體育局依約處理，並評估重新發包之可行性。
（三）中西區臺南州廳周邊歷史街區景觀改善工程：考古調查完成後請文化局儘速辦理工法審查。
三、臨時動議：各機關填報落後原因及解決對策請具體說明預定改善期程，勿以「持續趕工」帶過。
四、散會。"""

# (key, project name, days before today, participants, findings)
DEMO_VISITS = [
    (
        "visit_bridge",
        "麻豆區曾文溪麻善大橋改建工程",
        40,
        "研考會管考科張研究員、工務局新建工程科陳科長、監造單位及承商工地主任",
        "一、工區因汛期河道內禁止施工而停工，P3至P5橋墩基樁已完成，P6基樁遇地質改變待變更設計。\n"
        "二、上游側安全圍籬約30公尺破損，警示燈部分未亮。\n"
        "三、河道內仍有鋼板樁及吊車未撤離，汛期有阻水之虞。",
    ),
    (
        "visit_pumping",
        "永康區大灣排水抽水站新建工程",
        25,
        "研考會管考科張研究員、水利局雨水下水道工程科黃科長、監造單位",
        "一、抽水站結構體完成約七成，機房屋頂版尚未灌漿。\n"
        "二、抽水機組尚未進場，承商表示國外原廠交貨延遲。\n"
        "三、工地人力僅約十人，與趕工計畫所列不符。",
    ),
    (
        "visit_incinerator",
        "城西垃圾焚化廠設備更新工程",
        12,
        "研考會管考科張研究員、環境保護局廢棄物處理科林科長、統包商專案經理",
        "一、一號爐停爐更新中，爐排及鍋爐管更換進度落後約三週。\n"
        "二、二號爐持續運轉，垃圾貯坑存量偏高。\n"
        "三、統包商安裝人力不足，夜間未施工。",
    ),
]

# (source, project name, directive, due in days from today, agency answers, closing note)
# source: "quarterly" / "last_month" meeting, or a DEMO_VISITS key. A closing note closes it.
DEMO_DIRECTIVES = [
    (
        "quarterly",
        "城西垃圾焚化廠設備更新工程",
        "請環境保護局檢討設備更新工程落後原因，提出具體趕工計畫，並於下次推動會報報告。",
        -20,
        ["已召開趕工協調會，統包商提出增派安裝人力及夜間施工之趕工計畫，預計三個月內追回進度。"],
        "趕工計畫已提出並列入每月填報追蹤，本項解除追蹤。",
    ),
    (
        "quarterly",
        "麻豆區曾文溪麻善大橋改建工程",
        "請工務局儘速完成變更設計報核，並與第六河川分署協調汛期後復工時程。",
        -15,
        ["變更設計書圖已送監造單位審查，預計下月報府核定；已函請河川分署召開復工協調會議。"],
        None,
    ),
    (
        "quarterly",
        "善化區果菜市場遷建工程",
        "請農業局儘速完成重新招標，並評估解約對完工期程及中央補助款之影響。",
        -10,
        [],
        None,
    ),
    (
        "quarterly",
        "臺南市資料治理平臺建置計畫",
        "請智慧發展中心檢討系統規格變更對期程之影響，必要時依程序修正預定進度。",
        20,
        [],
        None,
    ),
    (
        "last_month",
        "永康區大灣排水抽水站新建工程",
        "請水利局督促承商增派人力，並於汛期前完成抽水機組安裝。",
        -3,
        ["已要求承商增派機電人力，抽水機組預計下月中旬進場安裝。"],
        None,
    ),
    (
        "last_month",
        "中西區臺南州廳周邊歷史街區景觀改善工程",
        "請文化局就考古調查結果提早辦理工法審查，避免再延宕。",
        14,
        ["考古調查報告已完成初稿，已排入下次文化資產審議會審查。"],
        None,
    ),
    (
        "last_month",
        "臺南市立殯儀館火化爐汰換工程",
        "請民政局確認火化爐汰換期間之替代火化量能，避免影響民眾治喪。",
        10,
        [],
        None,
    ),
    (
        "last_month",
        "臺南市立體育場田徑場整建工程",
        "請體育局依約處理履約爭議，並評估終止契約重新發包之可行性。",
        -5,
        [],
        None,
    ),
    (
        "last_month",
        "左鎮區山區產業道路邊坡改善工程",
        "請工務局說明邊坡改善工程落後原因，並提出改善期程。",
        7,
        ["落後主因為雨季邊坡滑動須追加擋土設施，已辦理變更設計並要求承商分區趕工。"],
        "已說明落後原因並提出改善期程，改列每月填報追蹤。",
    ),
    (
        "last_month",
        "仁德區二仁溪畔休憩公園改善工程",
        "請仁德區公所與文化局協調搶救發掘期程，並預估復工日期。",
        21,
        ["已與文化局會勘，搶救發掘預計二個月完成，完成後即申請復工。"],
        None,
    ),
    (
        "visit_bridge",
        "麻豆區曾文溪麻善大橋改建工程",
        "請工務局督促承商修復工區安全圍籬及警示燈，並於汛期前撤離河道內材料機具。",
        -25,
        ["圍籬及警示燈已修復；河道內鋼板樁及吊車已全數撤離，檢附照片備查。"],
        "經檢視改善照片，已完成改善。",
    ),
    (
        "visit_bridge",
        "麻豆區曾文溪麻善大橋改建工程",
        "停工期間請定期巡查已施作之基樁及臨時便道，並每月回報巡查結果。",
        30,
        ["本月巡查二次，基樁及臨時便道無異狀。"],
        None,
    ),
    (
        "visit_pumping",
        "永康區大灣排水抽水站新建工程",
        "請水利局要求承商提出抽水機組進場時程，並於試運轉前完成備援電力測試。",
        -2,
        [],
        None,
    ),
    (
        "visit_incinerator",
        "城西垃圾焚化廠設備更新工程",
        "請環境保護局督促統包商補足設備安裝人力，並每兩週提報進度。",
        18,
        ["統包商已增派安裝人力十二人並開始夜間施工，首次進度已於本週提報。"],
        None,
    ),
    (
        "visit_incinerator",
        "城西垃圾焚化廠設備更新工程",
        "請環境保護局評估一號爐停爐更新期間之垃圾轉運及貯坑調度替代方案。",
        45,
        [],
        None,
    ),
]


def _weekday_on_or_before(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _moment(day: date, hour: int, now: datetime) -> datetime:
    return min(timezone.make_aware(datetime.combine(day, time(hour, 0))), now - timedelta(hours=1))


class FollowupSeeder:
    """Two monthly meetings (last month's with minutes, this month's with the agenda proposed),
    a quarterly meeting, three site visits and fifteen directives across nine agencies: some
    answered, some overdue, some closed. Skipped as a whole once its directives exist."""

    def __init__(self, stdout, today: date):
        self.stdout = stdout
        self.today = today
        self.now = timezone.now()
        self.reviewer = User.objects.filter(username="reviewer", is_active=True).first()
        names = {row[1] for row in DEMO_DIRECTIVES} | {row[1] for row in DEMO_VISITS}
        self.projects = {p.name: p for p in Project.objects.filter(name__in=names)}
        self.meetings = 0
        self.directives = 0

    def run(self):
        texts = [row[2] for row in DEMO_DIRECTIVES]
        if self.reviewer is None or Directive.objects.filter(text__in=texts).exists():
            return
        this_month = month_start(self.today)
        last_month = add_months(this_month, -1)
        quarter_month = add_months(this_month, -2)
        quarter = (quarter_month.month - 1) // 3 + 1
        sources = {
            "quarterly": self.meeting(
                MeetingKind.QUARTERLY,
                _weekday_on_or_before(quarter_month.replace(day=25)),
                title=(f"{quarter_month.year - 1911}年第{quarter}季重大公共建設推動會報"),
                chair=QUARTERLY_CHAIR,
                minutes="各機關就列管重大公共建設執行情形提出報告，決議事項列入管制追蹤。",
            ),
            "last_month": self.meeting(
                MeetingKind.MONTHLY,
                _weekday_on_or_before(last_month.replace(day=20)),
                chair=MONTHLY_CHAIR,
                minutes=LAST_MONTH_MINUTES,
            ),
        }
        self.meeting(
            MeetingKind.MONTHLY,
            _weekday_on_or_before(this_month.replace(day=20)),
            chair=MONTHLY_CHAIR,
        )
        self.shape_agendas(sources["quarterly"], sources["last_month"])
        for key, name, days_ago, participants, findings in DEMO_VISITS:
            day = self.today - timedelta(days=days_ago)
            sources[key] = self.visit(name, day, participants, findings)
        for source, name, text, due_in, answers, closing in DEMO_DIRECTIVES:
            origin = sources.get(source)
            project = self.projects.get(name)
            if origin is None or project is None:
                continue
            self.directive(origin, project, text, due_in, answers, closing)

    def meeting(self, kind, day, *, chair, title="", minutes=""):
        meeting = ReviewMeeting.objects.filter(kind=kind, date=day).first()
        if meeting is None:
            meeting = followup.create_meeting(
                kind=kind,
                date=day,
                title=title,
                chair=chair,
                minutes=minutes if day < self.today else "",
                by=self.reviewer,
                today=self.today,
            )
            ReviewMeeting.objects.filter(pk=meeting.pk).update(
                created_at=_moment(day - timedelta(days=10), 9, self.now)
            )
            self.meetings += 1
        return meeting

    def shape_agendas(self, quarterly, last_month):
        """The quarterly meeting's agenda is built by hand; last month's shows a reviewer's
        removal and addition."""
        on_quarterly = {row[1] for row in DEMO_DIRECTIVES if row[0] == "quarterly"}
        for name in sorted(on_quarterly):
            project = self.projects.get(name)
            if project is not None and not quarterly.items.filter(project=project).exists():
                followup.add_agenda_item(quarterly, project, by=self.reviewer)
        # Taken off by the reviewer: the last proposed item no directive of that meeting is about.
        discussed = {row[1] for row in DEMO_DIRECTIVES if row[0] == "last_month"}
        removable = (
            last_month.items.filter(removed=False)
            .exclude(reason=AgendaReason.MANUAL)
            .exclude(project__name__in=discussed)
            .order_by("-order")
            .first()
        )
        if removable is not None and not last_month.items.filter(removed=True).exists():
            followup.remove_agenda_item(removable, by=self.reviewer)
        manual = Project.objects.filter(name="永康區中正南路拓寬工程").first()
        if manual is not None and not last_month.items.filter(project=manual).exists():
            followup.add_agenda_item(
                last_month,
                manual,
                by=self.reviewer,
                note="連續落後，請工務局說明管線遷移協調情形。",
            )

    def visit(self, name, day, participants, findings):
        project = self.projects.get(name)
        if project is None:
            return None
        visit = SiteVisit.objects.filter(project=project, participants=participants).first()
        if visit is None:
            visit = followup.record_site_visit(
                project,
                date=day,
                participants=participants,
                findings=findings,
                by=self.reviewer,
                today=self.today,
            )
            SiteVisit.objects.filter(pk=visit.pk).update(created_at=_moment(day, 17, self.now))
        return visit

    def directive(self, origin, project, text, due_in, answers, closing):
        raised_on = origin.date
        directive = followup.raise_directive(
            text=text,
            due_date=max(self.today + timedelta(days=due_in), raised_on),
            project=project,
            meeting=origin if isinstance(origin, ReviewMeeting) else None,
            site_visit=origin if isinstance(origin, SiteVisit) else None,
            by=self.reviewer,
            today=raised_on,
        )
        moment = _moment(raised_on, 16, self.now)
        Directive.objects.filter(pk=directive.pk).update(raised_at=moment)
        self.directives += 1
        filer = (
            User.objects.filter(agency=project.host_agency, role=Role.BUREAU_STAFF, is_active=True)
            .order_by("pk")
            .first()
        )
        if filer is None:
            return
        for step, answer in enumerate(answers, start=1):
            response = followup.respond_to_directive(directive, text=answer, by=filer)
            moment = min(moment + timedelta(days=5 * step), self.now - timedelta(hours=2))
            DirectiveResponse.objects.filter(pk=response.pk).update(at=moment)
        if closing:
            followup.close_directive(directive, by=self.reviewer, note=closing)
            closed_at = min(moment + timedelta(days=3), self.now - timedelta(hours=1))
            Directive.objects.filter(pk=directive.pk).update(closed_at=closed_at)


def seed_followup(stdout, today: date) -> None:
    with transaction.atomic():
        seeder = FollowupSeeder(stdout, today)
        seeder.run()
    stdout.write(
        f"  檢討會議：新增 {seeder.meetings} 場（共 {ReviewMeeting.objects.count()} 場），"
        f"管制事項新增 {seeder.directives} 項"
    )
