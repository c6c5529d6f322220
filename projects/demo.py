"""Demo data for project control (列管案件): about 80 projects of the city's bureaus and district
offices, with S-curves, milestones, yearly allocations, tender numbers and two years of monthly
reports up to last month.

``seed(stdout)`` is registered as a demo seeder and run by ``manage.py seed_demo`` after the demo
users exist. It is:

- idempotent: a project whose control number (``113-B06-0001``) or name is already there is left
  alone, users are created only when missing; a re-run changes nothing;
- deterministic: every figure comes from ``random.Random(20240326)`` (one derived generator per
  catalogue row, so a skipped project does not shift the others);
- anchored on today (``timezone.localdate()``): schedules are placed relative to last month so
  the portfolio always shows work in progress, and reports stop at last month.

The mix: most projects on schedule, some behind (1–9 points) and seriously behind (≥ 10), a few
stopped (停工中) or terminated (已解約), re-planned projects (a second S-curve version with its
reason), completed and delisted projects, suspended ones and new ones not yet listed; late
filings and missing months; last month's reports in every state of the review cycle.

Follow-up (``seed_followup``, run after the projects): last month's monthly review meeting with
its minutes, this month's with the agenda ``propose_agenda`` builds, a quarterly promotion
meeting, three site visits and fifteen directives across nine agencies (answered, overdue,
closed), all written through ``projects.followup`` and skipped as a whole once they exist.

Reports are written with ``bulk_create_with_history`` (one history row each, dated at the last
step); transitions and status changes with ``bulk_create`` and their timestamps set afterwards,
since ``auto_now_add`` would stamp them with the seeding time.

The five-year benchmark data set (tests/perf/fiveyear) plans its projects with the same rules:
the month helpers, ``project_duration``, ``make_curve``, ``short_of_done``, the milestone and
lag-reason families and ``judge_milestone``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from projects import followup, services
from projects.choices import (
    AgendaReason,
    ControlStatus,
    ExecutionPhase,
    ForwardCategory,
    FundingSource,
    MeetingKind,
    MilestoneStatus,
    ProjectKind,
    ReportState,
    StatusField,
)
from projects.models import (
    BudgetAllocation,
    ControlSettings,
    Directive,
    DirectiveResponse,
    Milestone,
    MonthlyReport,
    PlanBaseline,
    Project,
    ReportTransition,
    ReviewMeeting,
    SiteVisit,
    StatusChange,
    TenderNumber,
)
from projects.scoring import compute_year
from tainan_rdec.choices import Role
from tainan_rdec.models import Agency, District, User

SEED = 20240326
DEMO_PASSWORD = "demo-pass-2024"
REPORT_MONTHS = 24
CENT = Decimal("0.01")

# Demo users that ``seed_demo`` creates for the two bureaus it knows; other agencies get
# ``<code>_staff`` / ``<code>_manager`` here.
KNOWN_FILERS = {"B06": ("pw_staff", "pw_manager"), "B07": ("wr_staff", "wr_manager")}

# -- the catalogue ----------------------------------------------------------------------------
# agency | kind | forward category | work type | scenario | budget (萬元) | districts | name |
# co-agencies.  Kinds: M 重大建設, F 前瞻基礎建設, S 一般性補助款基本設施, K 重點業務.
# Scenarios: ok, behind (1–9 points), serious (≥ 10), stopped (停工中), terminated (已解約),
# replan (second S-curve), resumed (暫緩列管 and back), finishing (completed, still listed),
# delisted (completed, 解除列管), suspended (暫緩列管), new (新增, not yet listed).
CATALOGUE = """
B07|M||drain|ok|42000|安南區|安南區本淵寮排水系統改善工程|
B07|M||drain|serious|38500|永康區|永康區大灣排水抽水站新建工程|
B07|M||drain|replan|26800|仁德區|仁德區三爺宮溪排水治理工程|
B07|M||sewer|ok|185000|安平區|臺南市安平水資源回收中心擴建工程|
B07|M||sewer|behind|98000|永康區|永康區污水下水道系統第三期分支管網工程|
B06|M||road|behind|68000|永康區|永康區中正南路拓寬工程|B14
B06|M||road|new|124000|東區、歸仁區|東區東門路三段延伸至歸仁區道路新闢工程|B14
B06|M||bridge|stopped|156000|麻豆區、善化區|麻豆區曾文溪麻善大橋改建工程|
B06|M||road|ok|52500|北區|北區臺南轉運站聯外道路新闢工程|B14
B06|M||road|replan|89000|善化區、新市區|善化區南科聯外道路拓寬工程|
B14|M||study|ok|18500|東區、南區、北區|臺南捷運藍線第一期工程綜合規劃及環境影響評估|
B14|M||building|ok|12800|新營區|新營區公車轉運站新建工程|
B13|M||building|behind|52000|安南區|臺南市立圖書館安南分館新建工程|
B13|M||heritage|serious|8500|中西區|中西區臺南州廳周邊歷史街區景觀改善工程|
B13|M||building|delisted|36000|新營區|新營文化中心演藝廳整建工程|
B13|M||heritage|ok|9800|安平區|安平區熱蘭遮城城垣遺構保存及展示工程|
B04|M||building|ok|28000|南區|南區新興國小校舍耐震補強暨改建工程|
B04|M||building|finishing|46000|永康區|永康區大橋國中新設校舍興建工程|
B12|M||road|ok|145000|歸仁區|沙崙智慧綠能科學城公共設施工程|B05
B12|M||landscape|suspended|62000|北區、中西區|臺南火車站前站都市更新區公共設施工程|
B12|M||building|ok|210000|東區|東區東和段社會住宅新建工程|
B11|M||landscape|behind|18500|安平區|安平港國家歷史風景區港濱遊憩設施工程|
B11|M||landscape|ok|6800|七股區|七股潟湖生態旅遊服務設施改善工程|
B17|M||plant|serious|280000|安南區|城西垃圾焚化廠設備更新工程|
B17|M||plant|ok|126000|永康區|永康區生質能源中心新建工程|
B08|M||building|ok|58000|仁德區|仁德區社會福利綜合大樓新建工程|
B20|M||building|stopped|18000|南區|臺南市立體育場田徑場整建工程|
B16|M||building|replan|240000|安南區|臺南市立安南醫院第二期醫療大樓新建工程|
B19|M||building|ok|16500|歸仁區|歸仁區消防廳舍暨防災教育館新建工程|
B10|M||building|terminated|24000|善化區|善化區果菜市場遷建工程|
B05|M||road|new|175000|安南區|新吉工業區公共設施工程|
B14|F|rail|study|ok|2800|南區、仁德區、歸仁區|臺南先進運輸系統綠線可行性研究|
B14|F|rail|landscape|delisted|4200|歸仁區|沙崙線長榮大學站周邊轉乘設施改善工程|
B07|F|water|drain|ok|4800|北門區|北門區急水溪出海口水環境改善工程|
B07|F|water|landscape|finishing|3600|鹽水區|鹽水區月津港水岸環境營造工程|
B07|F|water|drain|behind|4500|白河區|白河區白水溪排水整治及環境營造工程|
B07|F|water|drain|ok|4900|南區、東區|竹溪水環境改善計畫（第三期）|
B05|F|green_energy|plant|delisted|2600|新營區、永康區|臺南市公有建築物屋頂型太陽光電設置計畫|
B05|F|green_energy|road|behind|3900|將軍區|將軍區漁電共生示範場域公共設施工程|
B06|F|green_energy|plant|ok|4200||臺南市路燈汰換LED節能計畫（第四期）|
B29|F|digital|system|ok|3200|東區、中西區|臺南市智慧路燈與物聯網感測網建置計畫|
B29|F|digital|system|serious|1800||臺南市資料治理平臺建置計畫|
B04|F|digital|system|ok|4600||臺南市中小學智慧教室建置計畫|
B12|F|urban_rural|landscape|ok|2400|中西區|中西區神農街歷史街區景觀改善工程|
B12|F|urban_rural|landscape|delisted|1800|後壁區|後壁區菁寮老街城鄉風貌改善工程|
B11|F|urban_rural|landscape|behind|3200|白河區|白河區關子嶺溫泉區景觀環境改善工程|
B06|F|urban_rural|road|ok|2800|新化區|新化區老街周邊人行環境改善工程|
B12|F|urban_rural|building|new|1600|玉井區|玉井區芒果之鄉市集空間活化工程|
D35|F|urban_rural|park|ok|2200|安南區|安南區鹿耳門溪畔自行車道串連工程|
B10|F|food_safety|plant|ok|2100|新營區|臺南市農產品安全檢驗中心設備擴充計畫|
B16|F|food_safety|building|behind|3400|東區|臺南市食品藥物檢驗中心實驗室改善工程|
B08|F|childcare|building|ok|3800|歸仁區|歸仁區公共托育家園暨親子館新建工程|
B08|F|childcare|building|delisted|2200|北區|北區親子館空間改善工程|
B04|F|childcare|building|replan|2900|新市區|新市區非營利幼兒園新設工程|
B09|F|talent|building|ok|2500|南區|臺南市職業訓練中心實作場域改善工程|
B04|F|talent|building|suspended|1900|安南區|市立土城高中實用技能學程實習工場改善工程|
B09|F|talent|building|ok|1500|永康區|永康青年創業基地空間改善工程|
D35|S||drain|ok|1200|安南區|安南區海佃路一段排水側溝改善工程|
D31|S||road|behind|980|永康區|永康區中華路巷道路面改善工程|
D07|S||landscape|delisted|860|麻豆區|麻豆區總爺國小周邊人行道改善工程|
D01|S||landscape|ok|1500|新營區|新營區中正路人行環境改善工程|
D19|S||road|ok|1100|善化區|善化區南科周邊農路改善工程|
D27|S||park|stopped|1350|仁德區|仁德區二仁溪畔休憩公園改善工程|
B06|S||road|ok|4200|大內區|大內區曾文溪堤頂道路改善工程|
B06|S||road|serious|3600|左鎮區|左鎮區山區產業道路邊坡改善工程|
B07|S||drain|ok|5800|學甲區|學甲區中洲排水護岸改善工程|
B10|S||road|delisted|2800|東山區|東山區農路改善工程（第二期）|
B10|S||road|resumed|1600|官田區|官田區菱角產業道路改善工程|
B06|S||road|ok|2400|楠西區|楠西區梅嶺風景區聯外道路改善工程|
B29|K||system|ok|1200||多目標智慧管理系統功能擴充（標案管理系統介接）|B26
B14|K||program|behind|9500||臺南市公車路網優化及電子票證整合計畫|
B17|K||program|ok|18000||臺南市老舊機車汰換補助計畫|
B11|K||landscape|ok|3600|安平區、中西區|臺南市觀光景點友善環境提升計畫|
B08|K||program|ok|12000||臺南市長照社區整體照顧服務據點佈建計畫|
B04|K||plant|ok|4800||國中小學校營養午餐廚房設備更新計畫|
B02|K||plant|serious|6500|南區|臺南市立殯儀館火化爐汰換工程|
B16|K||program|ok|3200||臺南市登革熱防治孳生源清除計畫|
B12|K||program|suspended|5500||臺南市老舊建築物都市更新推動計畫|
B18|K||system|ok|8800||臺南市路口監視錄影系統汰換計畫|
B13|K||heritage|behind|7200|中西區、安平區|臺南市歷史建築保存修復計畫|
B20|K||program|new|1500||臺南市全民運動推廣計畫|
"""

KINDS = {
    "M": ProjectKind.MAJOR,
    "F": ProjectKind.FORWARD,
    "S": ProjectKind.GENERAL_SUBSIDY,
    "K": ProjectKind.KEY_BUSINESS,
}

# Abbreviations in PCC-style tender numbers (1130315-PW-01).
TENDER_CODES = {
    "B02": "CA",
    "B04": "ED",
    "B05": "EC",
    "B06": "PW",
    "B07": "WR",
    "B08": "SW",
    "B09": "LB",
    "B10": "AG",
    "B11": "TB",
    "B12": "UD",
    "B13": "CU",
    "B14": "TR",
    "B16": "HB",
    "B17": "EP",
    "B18": "PD",
    "B19": "FD",
    "B20": "SP",
    "B29": "SI",
}

# -- wording by work type ---------------------------------------------------------------------

CONSTRUCTION_WORKS = {"drain", "sewer", "road", "bridge", "building", "heritage", "landscape"}
CONSTRUCTION_WORKS |= {"park", "plant"}
TENDERED_WORKS = CONSTRUCTION_WORKS | {"system", "study"}

# Work items by stage, in the order they are done (the month's item follows actual progress).
WORK_ITEMS = {
    key: items.split()
    for key, items in {
        "drain": "護岸基礎開挖 箱涵施作 排水溝清淤及擋土牆施作 抽水機組安裝 閘門機電設備安裝",
        "sewer": "污水主幹管推進 分支管網埋設 人孔施作及路面修復 處理單元機電安裝 用戶接管",
        "road": "管線遷移配合 路基整理 側溝及人行道施作 AC路面鋪設 標線及號誌設置",
        "bridge": "基樁施作 橋墩施築 上部結構預力梁吊裝 引道填築 橋面鋪裝及欄杆施作",
        "building": "基礎開挖及筏基施作 地下室結構體 上構結構體灌漿 外牆及帷幕施作 "
        "室內裝修及機電設備安裝",
        "heritage": "調查研究及解體紀錄 木構件修復 屋瓦及牆體修復 彩繪保存修復 展示及解說設施施作",
        "landscape": "舊有鋪面拆除 人行空間鋪面施作 排水及管線整理 植栽及街道家具施作 照明設施設置",
        "park": "整地及排水 步道基礎施作 自行車道鋪面施作 植栽綠美化 休憩設施安裝",
        "plant": "設備基礎施作 主要設備進場安裝 管線配置 機電整合測試 試運轉",
        "system": "需求訪談及系統分析 系統開發 設備採購及建置 系統介接測試 教育訓練及試營運",
        "study": "基本資料調查 運量預測分析 路線及場站規劃 環境影響說明書撰擬 公聽會及審查意見回覆",
        "program": "受理申請及審查 補助款撥付 執行成果查核 宣導活動辦理 年度成果彙整",
    }.items()
}

MILESTONES = {
    "construction": [
        ("完成細部設計", 0.12),
        ("完成工程決標", 0.2),
        ("主要工項完成50%", 0.6),
        ("工程完工", 1.0),
    ],
    "building": [
        ("完成規劃設計及取得建造執照", 0.15),
        ("完成工程決標", 0.22),
        ("結構體完成", 0.6),
        ("取得使用執照", 0.92),
        ("完工啟用", 1.0),
    ],
    "bridge": [
        ("完成工程決標", 0.15),
        ("完成管線遷移", 0.3),
        ("下部結構完成", 0.55),
        ("上部結構完成", 0.8),
        ("全線通車", 1.0),
    ],
    "heritage": [
        ("修復再利用計畫核定", 0.1),
        ("完成工程發包", 0.2),
        ("主體修復完成", 0.75),
        ("完工", 1.0),
    ],
    "plant": [
        ("完成統包工程決標", 0.15),
        ("設備進場安裝", 0.55),
        ("試運轉", 0.85),
        ("完工驗收", 1.0),
    ],
    "system": [
        ("完成採購決標", 0.2),
        ("完成系統分析設計", 0.4),
        ("系統上線試營運", 0.8),
        ("驗收完成", 1.0),
    ],
    "study": [
        ("完成委託服務決標", 0.1),
        ("期中報告審查", 0.45),
        ("期末報告審查", 0.85),
        ("報告核定", 1.0),
    ],
    "program": [
        ("年度執行計畫核定", 0.08),
        ("上半年執行檢討", 0.5),
        ("完成年度目標", 1.0),
    ],
}

LAG_REASONS = {
    "construction": [
        "地下管線（台電、中華電信、自來水）遷移進度延宕，影響後續工項施作。",
        "本月降雨日數偏多，土方及鋪面工項無法施作。",
        "營建缺工，廠商施工人力不足。",
        "鋼筋、混凝土等材料供料不穩，影響灌漿期程。",
        "用地取得尚有私有地未完成協議價購。",
        "辦理變更設計，部分工項暫緩施作。",
        "民眾陳情施工動線及噪音問題，配合調整施工時段。",
    ],
    "heritage": [
        "施工中發現歷史遺構，依文化資產保存法辦理考古調查。",
        "修復材料（傳統瓦材、檜木料）採購期程較長。",
        "修復工法須經文化資產審議會審查，審查期程較預期長。",
    ],
    "system": [
        "需求變更，系統規格調整中。",
        "設備交貨延遲。",
        "介接機關資料格式調整，測試期程延長。",
    ],
    "program": [
        "受理申請件數低於預期。",
        "中央補助款撥付延遲，影響撥付進度。",
        "合作單位核銷資料補正中。",
    ],
}
LAG_REASONS["study"] = [*LAG_REASONS["system"][:1], "審查委員意見修正中，期中報告延後審查。"]

REMEDIES = {
    "construction": [
        "已召開協調會，請管線單位於下月底前完成遷移。",
        "要求廠商增派施工班組並延長工作時間趕工。",
        "每週召開工務會議檢討進度，落後部分依約計罰。",
        "變更設計已陳報核定中，核定後即全面趕工。",
        "調整工序，先行施作不受影響之工項。",
        "持續與地主協商，必要時依土地徵收條例辦理徵收。",
    ],
    "heritage": [
        "考古調查完成後即依審議結論調整工法，並增加修復人力。",
        "提前辦理材料採購並分區施工。",
    ],
    "system": [
        "要求廠商提出趕工計畫，每兩週召開進度會議。",
        "調整上線期程，先行上線核心功能。",
    ],
    "program": [
        "加強宣導並簡化申請程序。",
        "函請中央儘速撥付補助款，並先行以市府預算墊付。",
    ],
}
REMEDIES["study"] = REMEDIES["system"]

HELP_NEEDED = [
    "請研考會協助召開跨局處協調會議。",
    "請市府協調管線單位加速遷移作業。",
    "請協助爭取中央補助款追加。",
    "請法制處協助契約爭議處理。",
]

STOP_REASONS = {
    "bridge": (
        "河川局要求配合汛期禁止河道內施工，且部分基樁施工遇地質改變須辦理變更設計，暫停施工。"
    ),
    "building": "承商與分包廠商履約爭議，工地無人施工，已依約通知停工並辦理履約爭議調解。",
    "park": "施工中發現地下遺構，依文化資產保存法暫停施工，辦理搶救發掘。",
}
TERMINATION_REASON = "原承商進度嚴重落後且經催告未改善，已依契約終止契約，刻正重新招標。"

REPLAN_REASONS = [
    "因用地取得延宕，經市府核定展延工期{n}個月，修正預定進度及分配數。",
    "辦理第一次變更設計（增辦地下管線共構工項），工期展延{n}個月，修正預定進度。",
    "配合中央補助經費核定時程調整，展延{n}個月並修正預定進度。",
    "因缺工缺料，依契約辦理工期展延{n}個月，修正預定進度。",
]
SUSPEND_REASONS = [
    "配合都市計畫變更程序，計畫暫緩執行，經市府同意暫緩列管。",
    "中央補助款尚未核定，俟核定後再行恢復列管。",
    "計畫內容重新檢討評估中，經市府同意暫緩列管。",
]
RETURN_COMMENTS = [
    "實支數與會計系統資料不符，請查明更正後重新送出。",
    "本月實際進度與工程日報表不一致，請檢附佐證資料。",
    "目前辦理情形未說明本月完成工項，請補充。",
]
RETURN_COMMENT_LAG = "落後原因過於簡略，請具體說明並補充解決對策及預定改善期程。"
LISTING_REASON = "基本資料、經費、檢核點及預定進度完整，納入列管。"
DELISTING_REASON = "工程已完工並驗收合格，結算付款完成，同意解除列管。"
PHASE_REASONS = {
    ExecutionPhase.TENDERING: "細部設計完成，上網公告招標。",
    ExecutionPhase.CONSTRUCTION: "決標並開工。",
    ExecutionPhase.COMPLETION_REPORTED: "承商申報竣工。",
    ExecutionPhase.ACCEPTANCE: "竣工查驗完成，辦理驗收。",
    ExecutionPhase.SETTLEMENT: "驗收合格，辦理結算付款。",
    ExecutionPhase.CLOSED: "結算付款完成，結案。",
}

SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周徐蘇葉莊呂江何蕭羅高"
GIVEN_NAMES = [
    "志明", "淑惠", "家豪", "雅婷", "建宏", "佩君", "俊傑", "怡如", "宗翰", "美惠",
    "冠宇", "欣怡", "承恩", "惠玲", "文彬", "詩涵", "明哲", "麗華", "柏翰", "宜蓁",
]  # fmt: skip


# -- months -----------------------------------------------------------------------------------
# Plans count in month indexes (year * 12 + month - 1) so that month arithmetic is integer
# arithmetic; the five-year benchmark data (tests/perf/fiveyear) uses the same helpers.


def month_index(day: date) -> int:
    """The month index of ``day``'s month."""
    return day.year * 12 + day.month - 1


def first_of(index: int) -> date:
    """The first day of month ``index``."""
    return date(index // 12, index % 12 + 1, 1)


def last_day(index: int) -> date:
    """The last day of month ``index``."""
    return first_of(index + 1) - timedelta(days=1)


def _roc_month(index: int) -> str:
    day = first_of(index)
    return f"{day.year - 1911}年{day.month}月"


def clamp_percent(value: float) -> Decimal:
    """``value`` as a progress percentage: held within 0–100 and rounded to two places."""
    return Decimal(str(round(min(max(value, 0.0), 100.0), 2))).quantize(CENT)


# -- plans ------------------------------------------------------------------------------------


@dataclass
class Spec:
    number: int
    agency: str
    kind: str
    category: str
    work: str
    scenario: str
    budget: int
    districts: list[str]
    name: str
    co_agencies: list[str]

    @property
    def family(self) -> str:
        return milestone_family(self.work)

    @property
    def reason_family(self) -> str:
        return reason_family(self.work)


def milestone_family(work: str) -> str:
    """The key of ``MILESTONES`` for a work type: the road, drain, park and such works share the
    construction checkpoints."""
    if work in {"building", "bridge", "heritage", "plant", "system", "study", "program"}:
        return work
    return "construction"


def reason_family(work: str) -> str:
    """The key of ``LAG_REASONS`` and ``REMEDIES`` for a work type."""
    if work in {"heritage", "system", "study", "program"}:
        return work
    return "construction"


def _catalogue() -> list[Spec]:
    specs = []
    for number, line in enumerate(CATALOGUE.strip().splitlines()):
        agency, kind, category, work, scenario, budget, districts, name, co = line.split("|")
        if category:
            ForwardCategory(category)  # a typo in the catalogue fails here, not in the database
        specs.append(
            Spec(
                number=number,
                agency=agency,
                kind=KINDS[kind],
                category=category,
                work=work,
                scenario=scenario,
                budget=int(budget) * 10_000,
                districts=[d for d in districts.split("、") if d],
                name=name,
                co_agencies=[c for c in co.split(",") if c],
            )
        )
    return specs


def s_curve(n: int, rng: random.Random, *, lead: float = 0.0) -> list[float]:
    """Cumulative fractions for months 1..n of an S shape (slow start, fast middle, slow end):
    ``x^a / (x^a + (1 - x)^a)`` on a slightly skewed time axis; ``lead`` shifts it earlier (money
    is allocated ahead of the work)."""
    steep = rng.uniform(1.9, 2.6)
    skew = rng.uniform(0.9, 1.15)
    values = []
    for i in range(1, n + 1):
        x = min(1.0, i / n + lead) ** skew
        values.append(1.0 if x >= 1 else x**steep / (x**steep + (1 - x) ** steep))
    values[-1] = 1.0
    return values


@dataclass
class Curve:
    start: int  # month index
    n: int
    percents: list[Decimal]
    allocations: list[int]

    @property
    def end(self) -> int:
        return self.start + self.n - 1

    def at(self, month: int) -> tuple[Decimal, int]:
        if month < self.start:
            return Decimal("0.00"), 0
        i = min(month, self.end) - self.start
        return self.percents[i], self.allocations[i]

    def points(self):
        return [
            (first_of(self.start + i), self.percents[i], self.allocations[i]) for i in range(self.n)
        ]


def make_curve(start: int, n: int, budget: int, rng: random.Random) -> Curve:
    """The S-curve of a project of ``n`` months from month ``start``: planned % (100 in the
    last month) and planned allocation to date (the whole ``budget`` in the last month), the
    money a little ahead of the work."""
    work = s_curve(n, rng)
    money = s_curve(n, rng, lead=rng.uniform(0.03, 0.1))
    percents = [clamp_percent(100 * v) for v in work]
    percents[-1] = Decimal("100.00")
    allocations = [int(budget * v) for v in money]
    allocations[-1] = budget
    return Curve(start, n, percents, allocations)


@dataclass
class Plan:
    spec: Spec
    rng: random.Random
    anchor: int
    curve: Curve
    first_curve: Curve | None = None  # the original baseline of a re-planned project
    replan_month: int | None = None
    replan_reason: str = ""
    start_day: int = 1
    last_month: int = 0  # last month simulated (and reported)
    stop_month: int | None = None
    suspend_month: int | None = None
    delist_month: int | None = None
    resume_window: tuple[int, int] | None = None
    actual: dict[int, Decimal] = field(default_factory=dict)
    phases: dict[int, str] = field(default_factory=dict)
    actual_completion: date | None = None
    added_on: date | None = None  # when the bureau added the case (新增); listed soon after
    baseline: PlanBaseline | None = None
    first_baseline: PlanBaseline | None = None

    @property
    def start(self) -> int:
        return self.curve.start

    @property
    def end(self) -> int:
        return self.curve.end

    def planned(self, month: int) -> tuple[Decimal, int, bool]:
        """(planned %, planned allocation, on the original baseline?) in force for ``month``."""
        if self.first_curve is not None and month < self.replan_month:
            return (*self.first_curve.at(month), True)
        return (*self.curve.at(month), False)


def project_duration(kind: str, budget: int, rng: random.Random) -> int:
    """How many months a project of ``kind`` runs (one draw of ``rng``): three to four and a half
    years for a major project of NT$1 billion or more, about a year for a general subsidy."""
    if kind == ProjectKind.MAJOR:
        return rng.randint(36, 54) if budget >= 1_000_000_000 else rng.randint(24, 40)
    if kind == ProjectKind.FORWARD:
        return rng.randint(14, 28)
    if kind == ProjectKind.GENERAL_SUBSIDY:
        return rng.randint(9, 16)
    return rng.randint(12, 30)


def short_of_done(value: Decimal, planned: float) -> Decimal:
    """An actual % while the work is not done: never 100, at most 99.80 (or the planned figure
    when that lies between 99.80 and 100)."""
    cap = clamp_percent(planned) if Decimal("99.80") < planned < 100 else Decimal("99.80")
    return min(value, cap)


def _classify(diff: Decimal) -> str:
    if diff <= -10:
        return "serious"
    return "behind" if diff < 0 else "ok"


def _simulate(plan: Plan, rng: random.Random) -> bool:
    """Fill ``plan.actual`` month by month; True when the last accepted month shows the
    intended lag (the caller draws again otherwise)."""
    scenario = plan.spec.scenario
    judged = plan.anchor - 1  # the month the lag status is read from
    base = rng.uniform(0.0, 1.2)
    target = {"behind": -rng.uniform(1.5, 8.5), "serious": -rng.uniform(11.0, 21.0)}.get(
        scenario, 0.0
    )
    ramp = rng.randint(3, 7) if scenario == "behind" else rng.randint(4, 9)
    dip = None
    if scenario == "ok" and plan.last_month - plan.start > 10 and rng.random() < 0.35:
        dip = (rng.randint(plan.start + 3, plan.last_month - 6), rng.uniform(1.0, 4.0))
    pre_stop = -rng.uniform(1.0, 4.0)
    previous = Decimal("0.00")
    finish = month_index(plan.actual_completion) if plan.actual_completion else plan.end
    plan.actual = {}
    for month in range(plan.start, plan.last_month + 1):
        planned = float(plan.curve.at(month)[0])
        if plan.actual_completion is not None and month >= month_index(plan.actual_completion):
            value = Decimal("100.00")
        elif plan.stop_month is not None and month >= plan.stop_month:
            value = previous
        else:
            dev = base + rng.uniform(0.0, 0.4)
            if target:
                share = min(max((month - (judged - ramp)) / ramp, 0.0), 1.0)
                dev = dev * (1 - share) + target * share
            if plan.stop_month is not None:
                share = min(max((month - (plan.stop_month - 4)) / 4, 0.0), 1.0)
                dev = dev * (1 - share) + pre_stop * share
            if dip is not None and abs(month - dip[0]) <= 1:
                dev -= dip[1] * (1 if month == dip[0] else 0.5)
            value = clamp_percent(planned + dev)
            if month < finish:
                value = short_of_done(value, planned)
        value = max(value, previous)
        plan.actual[month] = previous = value
    if scenario in {"ok", "behind", "serious", "replan", "resumed"}:
        diff = plan.actual[judged] - plan.curve.at(judged)[0]
        expected = "ok" if scenario in {"replan", "resumed"} else scenario
        return (
            _classify(diff) == expected
            and _classify(plan.actual[plan.anchor] - plan.curve.at(plan.anchor)[0]) == expected
        )
    return True


def _phase_of(plan: Plan, month: int) -> str:
    spec = plan.spec
    if plan.stop_month is not None and month >= plan.stop_month:
        return (
            ExecutionPhase.TERMINATED if spec.scenario == "terminated" else ExecutionPhase.STOPPED
        )
    if plan.actual_completion is not None:
        done = month_index(plan.actual_completion)
        if month >= done:
            after = month - done
            if plan.delist_month is not None and month >= plan.delist_month - 1:
                return ExecutionPhase.CLOSED
            return [
                ExecutionPhase.COMPLETION_REPORTED,
                ExecutionPhase.ACCEPTANCE,
                ExecutionPhase.SETTLEMENT,
            ][min(after, 2)]
    actual = plan.actual.get(month, Decimal("0"))
    if actual < Decimal("1.5"):
        return ExecutionPhase.PLANNING
    if spec.work != "program" and actual < 5:
        return ExecutionPhase.TENDERING
    return ExecutionPhase.CONSTRUCTION


def build_plan(spec: Spec, seed: int, anchor: int, today: date) -> Plan:
    """Everything about one project, computed without touching the database."""
    rng = random.Random(seed)
    n = project_duration(spec.kind, spec.budget, rng)
    scenario = spec.scenario
    stop_month = suspend_month = delist_month = None
    completion = None
    if scenario == "new":
        start = anchor + rng.randint(2, 5)
    elif scenario == "suspended":
        start = anchor - rng.randint(6, 12)
        suspend_month = anchor - rng.randint(1, 3)
    elif scenario == "delisted":
        start = anchor - rng.randint(3, 14) - n + 1
        delist_month = start + n + rng.randint(1, 3)
        delist_month = min(delist_month, anchor)
    elif scenario == "finishing":
        start = anchor - rng.randint(0, 2) - n + 1
    else:
        share = {
            "behind": (0.3, 0.8),
            "serious": (0.45, 0.8),
            "stopped": (0.45, 0.75),
            "terminated": (0.45, 0.75),
            "replan": (0.5, 0.8),
            "resumed": (0.55, 0.85),
        }.get(scenario, (0.1, 0.85))
        elapsed = max(3, round(rng.uniform(*share) * n))
        start = anchor - elapsed + 1
        if scenario in {"stopped", "terminated"}:
            stop_month = max(start + 2, anchor - rng.randint(2, 6))
    plan = Plan(spec, rng, anchor, make_curve(start, n, spec.budget, rng))
    plan.start_day = rng.randint(1, 20)
    if scenario == "new":
        plan.added_on = today - timedelta(days=rng.randint(5, 40))
    else:
        plan.added_on = first_of(start) - timedelta(days=rng.randint(25, 50))
    plan.stop_month, plan.suspend_month, plan.delist_month = stop_month, suspend_month, delist_month
    if scenario == "replan":
        shorter = n - rng.randint(4, 8)
        plan.first_curve = make_curve(start, shorter, spec.budget, rng)
        plan.replan_month = max(start + 2, anchor - rng.randint(3, 9))
        reason = REPLAN_REASONS[spec.number % len(REPLAN_REASONS)]
        plan.replan_reason = reason.format(n=n - shorter)
    if scenario in {"finishing", "delisted"}:
        late = rng.choice([0, 0, 0, 1]) if scenario == "delisted" else 0
        done = plan.end + late
        completion = date.fromordinal(
            min(first_of(done).toordinal() + rng.randint(5, 27), today.toordinal() - 1)
        )
        plan.actual_completion = completion
    if scenario == "resumed":
        first = anchor - rng.randint(7, 9)
        plan.resume_window = (first, first + 2)
    if scenario == "suspended":
        plan.last_month = suspend_month - 1
    elif scenario == "delisted":
        plan.last_month = delist_month - 1
    elif scenario == "new":
        plan.last_month = start - 1
    else:
        plan.last_month = anchor
    for _attempt in range(12):
        if _simulate(plan, rng):
            break
    plan.phases = {m: _phase_of(plan, m) for m in range(plan.start, plan.last_month + 1)}
    return plan


def judge_milestone(
    milestone: Milestone, diff: Decimal, *, stopped: bool, rng: random.Random
) -> None:
    """Record how a checkpoint that fell due came out, from ``diff``, the actual minus the
    planned % of its month: missed when the work had stopped or was 10 points or more behind,
    partly met when more than a point behind (each with the bureau's note), otherwise met on its
    planned date or up to 20 days before (one draw of ``rng``, only then)."""
    if stopped or diff <= -10:
        milestone.status = MilestoneStatus.MISSED
        milestone.note = "進度落後，未能如期達成，已列入趕工計畫追蹤。"
    elif diff < -1:
        milestone.status = MilestoneStatus.PARTIAL
        milestone.note = "部分工項尚未完成，持續趕辦中。"
    else:
        milestone.status = MilestoneStatus.MET
        milestone.actual_date = milestone.planned_date - timedelta(days=rng.randint(0, 20))


# -- writing ----------------------------------------------------------------------------------


class Seeder:
    def __init__(self, stdout, today: date):
        self.stdout = stdout
        self.today = today
        self.now = timezone.now()
        self.anchor = month_index(today) - 1
        self.rules = ControlSettings.get()
        self.master = random.Random(SEED)
        self.agencies = {a.code: a for a in Agency.objects.all()}
        self.districts = {d.name: d for d in District.objects.all()}
        self.reviewer = (
            User.objects.filter(username="reviewer").first()
            or User.objects.filter(role=Role.REVIEWER, is_active=True).order_by("pk").first()
        )
        self.users: dict[str, tuple[User, User]] = {}
        self.reports: list[MonthlyReport] = []
        self.steps: list[tuple] = []  # (report, from, to, by, at, comment)
        self.changes: list[tuple[StatusChange, datetime]] = []
        self.report_dates: list[tuple[MonthlyReport, datetime]] = []
        self.created = 0

    # -- helpers

    def at(self, day: date, rng: random.Random, *, not_before: datetime | None = None):
        moment = timezone.make_aware(
            datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)))
        )
        if not_before is not None and moment <= not_before:
            moment = not_before + timedelta(minutes=rng.randint(20, 180))
        return min(moment, self.now - timedelta(minutes=1))

    def filers(self, code: str) -> tuple[User, User]:
        """(filer, manager) of an agency: the seed_demo users, or ``<code>_staff/_manager``."""
        if code in self.users:
            return self.users[code]
        agency = self.agencies[code]
        names = KNOWN_FILERS.get(code, (f"{code.lower()}_staff", f"{code.lower()}_manager"))
        district_office = code.startswith("D")
        pair = []
        for position, (username, role) in enumerate(
            zip(names, (Role.BUREAU_STAFF, Role.BUREAU_MANAGER), strict=True)
        ):
            user = User.objects.filter(username=username).first()
            if user is None:
                seq = int(code[1:]) * 2 + position
                title = ("課員", "課長") if district_office else ("技士", "科長")
                user = User(
                    username=username,
                    last_name=SURNAMES[seq % len(SURNAMES)],
                    first_name=GIVEN_NAMES[seq % len(GIVEN_NAMES)],
                    title=title[position],
                    role=role,
                    agency=agency,
                    email=f"{username}@demo.tainan.gov.tw",
                    is_active=True,
                )
                user.password = self.password_hash
                user.save()
            pair.append(user)
        self.users[code] = (pair[0], pair[1])
        return self.users[code]

    @property
    def password_hash(self) -> str:
        if not hasattr(self, "_password_hash"):
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    # -- the run

    def run(self):
        specs = _catalogue()
        seeds = [self.master.getrandbits(32) for _ in specs]
        # Last month's state per catalogue row (used when the project reports that month).
        last_states = self.master.choices(
            ["accepted", "submitted", "returned", "draft", "missing"],
            weights=[22, 34, 14, 20, 10],
            k=len(specs),
        )
        plans = [
            build_plan(s, seed, self.anchor, self.today)
            for s, seed in zip(specs, seeds, strict=True)
        ]
        existing_numbers = set(Project.objects.values_list("control_number", flat=True))
        existing_names = set(Project.objects.values_list("name", flat=True))
        sequence: dict[str, int] = {}
        tender_sequence: dict[str, int] = {}
        for plan, last_state in zip(plans, last_states, strict=True):
            code = plan.spec.agency
            sequence[code] = sequence.get(code, 0) + 1
            tender_sequence.setdefault(code, 0)
            start = first_of(plan.start).replace(day=plan.start_day)
            number = f"{plan.added_on.year - 1911}-{code}-{sequence[code]:04d}"
            if number in existing_numbers or plan.spec.name in existing_names:
                continue
            if code not in self.agencies:
                continue
            self.create_project(plan, number, start, last_state, tender_sequence)
            self.created += 1
        self.flush()

    def create_project(self, plan: Plan, number: str, start: date, last_state, tender_sequence):
        spec, rng = plan.spec, plan.rng
        staff, manager = self.filers(spec.agency)
        completion = last_day(plan.end)
        status = {
            "new": ControlStatus.NEW,
            "suspended": ControlStatus.SUSPENDED,
            "delisted": ControlStatus.DELISTED,
        }.get(spec.scenario, ControlStatus.LISTED)
        phase = plan.phases.get(plan.last_month, ExecutionPhase.PLANNING)
        funding = {
            ProjectKind.FORWARD: FundingSource.FORWARD_BUDGET,
            ProjectKind.GENERAL_SUBSIDY: FundingSource.GENERAL_SUBSIDY,
        }.get(spec.kind)
        if funding is None:
            funding = rng.choice(
                [
                    FundingSource.MIXED,
                    FundingSource.MIXED,
                    FundingSource.CENTRAL,
                    FundingSource.CITY,
                ]
                if spec.kind == ProjectKind.MAJOR
                else [FundingSource.CITY, FundingSource.CITY, FundingSource.MIXED]
            )
        stop_reason = ""
        resumption = None
        if spec.scenario == "stopped":
            stop_reason = STOP_REASONS.get(spec.work, STOP_REASONS["building"])
            resumption = self.today + timedelta(days=rng.randint(30, 100))
        elif spec.scenario == "terminated":
            stop_reason = TERMINATION_REASON
        project = Project.objects.create(
            control_number=number,
            name=spec.name,
            host_agency=self.agencies[spec.agency],
            kind=spec.kind,
            forward_category=spec.category,
            total_budget=spec.budget,
            funding_source=funding,
            summary=self.summary(spec),
            planned_start=start,
            planned_completion=completion,
            actual_completion=plan.actual_completion,
            phase=phase,
            control_status=status,
            in_annual_evaluation=not (spec.kind == ProjectKind.KEY_BUSINESS and rng.random() < 0.4),
            stop_reason=stop_reason,
            planned_resumption=resumption,
            created_by=staff,
        )
        Project.objects.filter(pk=project.pk).update(created_at=self.at(plan.added_on, rng))
        listed_at = self.at(plan.added_on + timedelta(days=rng.randint(7, 20)), rng)
        if spec.districts:
            project.districts.set([self.districts[name] for name in spec.districts])
        if spec.co_agencies:
            project.co_agencies.set([self.agencies[c] for c in spec.co_agencies])
        self.add_tenders(project, plan, tender_sequence)
        self.add_allocations(project, plan)
        self.add_milestones(project, plan)
        self.add_baselines(project, plan, staff, listed_at)
        self.add_status_changes(project, plan, manager, listed_at)
        self.add_reports(project, plan, staff, manager, last_state)

    def summary(self, spec: Spec) -> str:
        place = "、".join(spec.districts) or "全市"
        items = "、".join(WORK_ITEMS[spec.work][:3])
        return f"辦理{spec.name}，範圍位於{place}，主要工作項目包括{items}等。"

    def add_tenders(self, project, plan: Plan, tender_sequence):
        spec, rng = plan.spec, plan.rng
        if spec.work not in TENDERED_WORKS or (
            spec.kind != ProjectKind.MAJOR and rng.random() < 0.3
        ):
            return
        code = TENDER_CODES.get(spec.agency, spec.agency)
        awards = [(plan.start + max(0, round(plan.curve.n * 0.15) - 1), "")]
        if spec.scenario == "terminated":
            awards.append((plan.stop_month + 1, "（重新招標）"))
        rows = []
        for month, suffix in awards:
            day = first_of(month).replace(day=rng.randint(1, 28))
            if day >= self.today:
                continue
            tender_sequence[spec.agency] += 1
            rows.append(
                TenderNumber(
                    project=project,
                    number=f"{day.year - 1911}{day:%m%d}-{code}-{tender_sequence[spec.agency]:02d}",
                    title=spec.name + suffix,
                )
            )
        TenderNumber.objects.bulk_create(rows)

    def add_allocations(self, project, plan: Plan):
        curve, totals = plan.curve, {}
        for i, amount in enumerate(curve.allocations):
            totals[first_of(curve.start + i).year] = amount  # cumulative at the year's last month
        rows, before = [], 0
        for year in sorted(totals):
            if totals[year] > before:  # no row for a year with nothing left to allocate
                amount = totals[year] - before
                rows.append(BudgetAllocation(project=project, year=year, amount=amount))
            before = totals[year]
        BudgetAllocation.objects.bulk_create(rows)

    def add_milestones(self, project, plan: Plan):
        spec, rng = plan.spec, plan.rng
        template = list(MILESTONES[spec.family])
        if len(template) > 3 and rng.random() < 0.4:
            del template[rng.randrange(1, len(template) - 1)]
        if spec.kind == ProjectKind.GENERAL_SUBSIDY and len(template) > 2 and rng.random() < 0.5:
            template = [template[1], template[-1]]
        overdue_left = spec.scenario == "serious" and spec.number % 3 == 1
        rows = []
        for position, (name, share) in enumerate(reversed(template)):
            month = plan.start + max(0, math.ceil(share * plan.curve.n) - 1)
            is_final = position == 0
            planned = last_day(month) if is_final else first_of(month).replace(day=15)
            milestone = Milestone(project=project, name=name, planned_date=planned)
            if spec.scenario in {"delisted", "finishing"} and planned < self.today:
                milestone.status = MilestoneStatus.MET
                milestone.actual_date = (
                    plan.actual_completion
                    if is_final
                    else planned - timedelta(days=rng.randint(0, 20))
                )
            elif (
                planned >= self.today
                or spec.scenario == "new"
                or (spec.scenario == "suspended" and month > plan.last_month)
            ):
                milestone.status = MilestoneStatus.SCHEDULED
            else:
                month = min(month, plan.last_month)  # due this month: judged on last month
                diff = plan.actual[month] - plan.curve.at(month)[0]
                stopped = plan.stop_month is not None and month >= plan.stop_month
                if overdue_left:
                    # The most recent checkpoint the bureau has not reported on yet.
                    overdue_left = False
                    milestone.status = MilestoneStatus.SCHEDULED
                else:
                    judge_milestone(milestone, diff, stopped=stopped, rng=rng)
            rows.append(milestone)
        Milestone.objects.bulk_create(reversed(rows))

    def add_baselines(self, project, plan: Plan, staff, listed_at):
        if plan.first_curve is not None:
            first = services.create_baseline(project, plan.first_curve.points(), by=staff)
            PlanBaseline.objects.filter(pk=first.pk).update(created_at=listed_at)
            plan.first_baseline = first
            second = services.create_baseline(
                project, plan.curve.points(), by=staff, reason=plan.replan_reason
            )
            replanned_at = self.at(first_of(plan.replan_month), plan.rng)
            PlanBaseline.objects.filter(pk=second.pk).update(created_at=replanned_at)
            plan.baseline = second
        else:
            plan.baseline = services.create_baseline(project, plan.curve.points(), by=staff)
            PlanBaseline.objects.filter(pk=plan.baseline.pk).update(created_at=listed_at)
            plan.first_baseline = plan.baseline

    def change(self, project, field_name, old, new, reason, by, moment):
        row = StatusChange(
            project=project, field=field_name, old_value=old, new_value=new, reason=reason, by=by
        )
        self.changes.append((row, moment))

    def add_status_changes(self, project, plan: Plan, manager, listed_at):
        spec, rng = plan.spec, plan.rng
        reviewer = self.reviewer
        control = StatusField.CONTROL_STATUS
        if spec.scenario == "new":
            return
        self.change(
            project,
            control,
            ControlStatus.NEW,
            ControlStatus.LISTED,
            LISTING_REASON,
            reviewer,
            listed_at,
        )
        if plan.resume_window is not None:
            first, last = plan.resume_window
            self.change(
                project,
                control,
                ControlStatus.LISTED,
                ControlStatus.SUSPENDED,
                "中央補助款尚未核定，暫緩列管。",
                reviewer,
                self.at(first_of(first).replace(day=3), rng),
            )
            self.change(
                project,
                control,
                ControlStatus.SUSPENDED,
                ControlStatus.LISTED,
                "中央補助款已核定，恢復列管。",
                reviewer,
                self.at(first_of(last + 1).replace(day=2), rng),
            )
        if plan.suspend_month is not None:
            reason = SUSPEND_REASONS[spec.number % len(SUSPEND_REASONS)]
            self.change(
                project,
                control,
                ControlStatus.LISTED,
                ControlStatus.SUSPENDED,
                reason,
                reviewer,
                self.at(first_of(plan.suspend_month).replace(day=rng.randint(5, 25)), rng),
            )
        # Execution phase, as the bureau recorded it.
        previous = ExecutionPhase.PLANNING
        for month in range(plan.start, plan.last_month + 1):
            phase = plan.phases[month]
            if phase == previous:
                continue
            if phase in {ExecutionPhase.STOPPED, ExecutionPhase.TERMINATED}:
                reason = project.stop_reason
            elif spec.work in {"program", "study", "system"} and phase == "construction":
                reason = "完成採購程序，開始執行。"
            else:
                reason = PHASE_REASONS.get(phase, "")
            self.change(
                project,
                StatusField.PHASE,
                previous,
                phase,
                reason,
                manager,
                self.at(first_of(month).replace(day=rng.randint(3, 26)), rng),
            )
            previous = phase
        if plan.delist_month is not None:
            moment = self.at(first_of(plan.delist_month).replace(day=rng.randint(5, 20)), rng)
            if previous != ExecutionPhase.CLOSED:
                self.change(
                    project,
                    StatusField.PHASE,
                    previous,
                    ExecutionPhase.CLOSED,
                    PHASE_REASONS[ExecutionPhase.CLOSED],
                    manager,
                    moment - timedelta(days=2),
                )
                Project.objects.filter(pk=project.pk).update(phase=ExecutionPhase.CLOSED)
            self.change(
                project,
                control,
                ControlStatus.LISTED,
                ControlStatus.DELISTED,
                DELISTING_REASON,
                reviewer,
                moment,
            )

    # -- reports

    def add_reports(self, project, plan: Plan, staff, manager, last_state):
        spec, rng = plan.spec, plan.rng
        first = max(plan.start, self.anchor - REPORT_MONTHS + 1)
        months = list(range(first, plan.last_month + 1))
        if plan.resume_window is not None:
            months = [m for m in months if not plan.resume_window[0] <= m <= plan.resume_window[1]]
        # A month or two never filed (the last three months always are, for the lag status).
        if len(months) > 8 and rng.random() < 0.12:
            months.remove(rng.choice(months[1:-3]))
        late_share = 0.25 if rng.random() < 0.15 else 0.04
        rate = rng.uniform(0.86, 0.99)
        if spec.scenario in {"stopped", "terminated"} or (
            spec.scenario == "serious" and spec.number % 2 == 0
        ):
            rate = rng.uniform(0.58, 0.78)
        paid_share = rng.uniform(0.82, 0.95)
        award_month = plan.start + max(0, round(plan.curve.n * 0.2) - 1)
        savings_share = rng.uniform(0.01, 0.06) if spec.work in TENDERED_WORKS else 0.0
        reasons = LAG_REASONS[spec.reason_family]
        remedies = REMEDIES[spec.reason_family]
        reason_pick = rng.randrange(len(reasons))
        paid_before = 0
        for month in months:
            state = "accepted" if month < self.anchor else last_state
            if state == "missing":
                continue
            planned, allocated, original = plan.planned(month)
            actual = plan.actual[month]
            diff = actual - planned
            phase = plan.phases[month]
            stopped = phase in {ExecutionPhase.STOPPED, ExecutionPhase.TERMINATED}
            # Money: 實支 + 應付未付 + 節餘 never above the allocation to date.
            if plan.actual_completion is not None and month >= month_index(plan.actual_completion):
                share = rng.uniform(0.985, 1.0)
            else:
                share = min(1.0, rate + rng.uniform(-0.02, 0.02))
            spent = int(allocated * share)
            savings = int(allocated * savings_share) if month >= award_month else 0
            savings = min(savings, spent)
            paid = min(spent - savings, max(paid_before, int((spent - savings) * paid_share)))
            if plan.actual_completion is not None and month > month_index(plan.actual_completion):
                paid = spent - savings - int((spent - savings) * rng.uniform(0.0, 0.02))
            paid_before = paid
            report = MonthlyReport(
                project=project,
                period=first_of(month),
                baseline=plan.first_baseline if original else plan.baseline,
                planned_percent=planned,
                actual_percent=actual,
                allocated_to_date=allocated,
                paid=paid,
                payable_unpaid=spent - savings - paid,
                savings=savings,
                progress_text=self.progress_text(plan, month, actual, planned),
                created_by=staff,
            )
            if diff < 0 or stopped:
                if stopped:
                    report.lag_reasons = project.stop_reason
                else:
                    report.lag_reasons = reasons[reason_pick]
                    if diff <= -5 and len(reasons) > 1:
                        report.lag_reasons += reasons[(reason_pick + 1) % len(reasons)]
                report.remedies = remedies[(reason_pick + month) % len(remedies)]
                if diff <= -10 or stopped:
                    report.help_needed = HELP_NEEDED[spec.number % len(HELP_NEEDED)]
            self.add_review(report, plan, month, state, staff, manager, diff, stopped, late_share)

    def progress_text(self, plan: Plan, month: int, actual: Decimal, planned: Decimal) -> str:
        spec = plan.spec
        phase = plan.phases[month]
        items = WORK_ITEMS[spec.work]
        if phase == ExecutionPhase.PLANNING:
            doing = {
                "program": "辦理年度執行計畫研擬及核定作業",
                "study": "辦理委託服務招標文件研擬",
                "system": "辦理系統需求訪談及規格研擬",
            }.get(spec.work, "辦理規劃設計及用地取得作業")
        elif phase == ExecutionPhase.TENDERING:
            doing = (
                "辦理委託服務評選及議價作業"
                if spec.work in {"study", "system"}
                else "工程上網公告招標，辦理開標及決標作業"
            )
        elif phase == ExecutionPhase.STOPPED:
            doing = "停工中，" + plan.spec.name + "工區維持安全圍籬及排水設施，定期巡查"
        elif phase == ExecutionPhase.TERMINATED:
            doing = "已終止契約，辦理已完成部分結算及重新招標作業"
        elif phase == ExecutionPhase.COMPLETION_REPORTED:
            doing = "承商已申報竣工，辦理竣工查驗"
        elif phase == ExecutionPhase.ACCEPTANCE:
            doing = "辦理驗收作業，驗收缺失改善中"
        elif phase in {ExecutionPhase.SETTLEMENT, ExecutionPhase.CLOSED}:
            doing = "驗收合格，辦理結算及付款作業"
        else:
            item = items[min(len(items) - 1, int(actual / 100 * len(items)))]
            verb = "執行中" if spec.work == "program" else "施工中"
            doing = f"{verb}，本月辦理{item}"
        diff = actual - planned
        return f"{doing}。累計實際進度{actual}%，預定進度{planned}%，差異{diff:+.2f}個百分點。"

    def add_review(self, report, plan: Plan, month, state, staff, manager, diff, stopped, late):
        rng = plan.rng
        reviewer = self.reviewer
        following = first_of(month + 1)
        deadline = self.rules.filing_deadline(report.period)
        created = self.at(following.replace(day=rng.randint(1, 4)), rng)
        steps = []
        if state == "draft":
            report.state = ReportState.DRAFT
            self.finish_report(report, created, created, staff, steps)
            return
        is_late = rng.random() < late
        day = rng.randint(deadline.day + 1, 25) if is_late else rng.randint(2, deadline.day)
        submitted = self.at(following.replace(day=day), rng, not_before=created)
        report.is_late = timezone.localdate(submitted) > deadline
        report.submitted_by, report.submitted_at = manager, submitted
        steps.append((ReportState.DRAFT, ReportState.SUBMITTED, manager, submitted, ""))
        returned_once = state == "returned" or (state == "accepted" and rng.random() < 0.06)
        last = submitted
        if returned_once:
            comment = RETURN_COMMENTS[(plan.spec.number + month) % len(RETURN_COMMENTS)]
            if diff < 0 and rng.random() < 0.6:
                comment = RETURN_COMMENT_LAG
            returned = self.at(
                (submitted + timedelta(days=rng.randint(1, 3))).date(), rng, not_before=submitted
            )
            steps.append((ReportState.SUBMITTED, ReportState.RETURNED, reviewer, returned, comment))
            report.return_count = 1
            report.reviewer_comment = comment
            report.reviewed_by, report.reviewed_at = reviewer, returned
            last = returned
            if state == "accepted":
                again = self.at(
                    (returned + timedelta(days=rng.randint(1, 4))).date(), rng, not_before=returned
                )
                steps.append((ReportState.RETURNED, ReportState.SUBMITTED, manager, again, ""))
                report.submitted_at = last = again
        if state == "accepted":
            if stopped or diff <= -10:
                comment = (
                    "本案進度嚴重落後或停工，列入本月重大建設暨基本設施檢討會議追蹤，"
                    "請於會中報告趕工計畫。"
                )
            elif diff < 0:
                comment = "請依解決對策確實趕工，並於下月填報改善情形。"
            else:
                comment = "進度符合預定，請持續辦理。" if rng.random() < 0.3 else ""
            accepted = self.at(
                (last + timedelta(days=rng.randint(1, 6))).date(), rng, not_before=last
            )
            steps.append((ReportState.SUBMITTED, ReportState.ACCEPTED, reviewer, accepted, comment))
            report.reviewer_comment = comment or report.reviewer_comment
            report.reviewed_by, report.reviewed_at = reviewer, accepted
            report.state = ReportState.ACCEPTED
            last = accepted
        elif state == "returned":
            report.state = ReportState.RETURNED
        else:
            report.state = ReportState.SUBMITTED
        self.finish_report(report, created, last, steps[-1][2], steps)

    def finish_report(self, report, created, last, last_by, steps):
        report._history_date = last
        report._history_user = last_by
        report._change_reason = "示範資料"
        self.reports.append(report)
        self.report_dates.append((report, created))
        for from_state, to_state, by, moment, comment in steps:
            self.steps.append((report, from_state, to_state, by, moment, comment))

    def flush(self):
        """Write the rows collected for every new project in a few bulk statements."""
        if self.reports:
            bulk_create_with_history(self.reports, MonthlyReport, batch_size=500)
            for report, created in self.report_dates:
                report.created_at = created
            MonthlyReport.objects.bulk_update(self.reports, ["created_at"], batch_size=500)
        transitions = [
            ReportTransition(report=r, from_state=f, to_state=t, by=by, comment=c)
            for r, f, t, by, _at, c in self.steps
        ]
        ReportTransition.objects.bulk_create(transitions, batch_size=500)
        for row, step in zip(transitions, self.steps, strict=True):
            row.at = step[4]
        ReportTransition.objects.bulk_update(transitions, ["at"], batch_size=500)
        changes = [row for row, _moment in self.changes]
        StatusChange.objects.bulk_create(changes, batch_size=500)
        for row, moment in self.changes:
            row.at = moment
        StatusChange.objects.bulk_update(changes, ["at"], batch_size=500)


# -- follow-up: review meetings, site visits, directives ----------------------------------------
# Written through the follow-up services (so the demo obeys the same rules as the pages), then
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
        this_month = services.month_start(self.today)
        last_month = services.add_months(this_month, -1)
        quarter_month = services.add_months(this_month, -2)
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


def seed(stdout) -> None:
    """Add the demo projects that are not there yet (see the module docstring)."""
    today = timezone.localdate()
    with transaction.atomic():
        seeder = Seeder(stdout, today)
        seeder.run()
    total = Project.objects.count()
    stdout.write(
        f"  列管案件：新增 {seeder.created} 件（共 {total} 件），"
        f"每月填報 {len(seeder.reports)} 筆，填報至{_roc_month(seeder.anchor)}"
    )
    seed_followup(stdout, today)
    for year in (today.year - 1, today.year):
        count = compute_year(year, today=today)
        stdout.write(f"  {year - 1911}年度考評分數：{count} 件")
