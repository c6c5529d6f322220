"""The demo case log's shape and words: volumes by month, weekday and hour, categories and the
agencies that handle them, the event, the slow agencies, satisfaction, districts, roads, names
and the description templates."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from petitions.choices import CaseStatus, Channel

BATCH = 10_000
YEARS = 5
# Extra cases of the event, as a share of N: about 45,000 at 1.5 million, ~2,800 a day.
EVENT_SHARE = 0.03
EVENT_NAME = "2024台灣燈會"
EVENT_START = date(2024, 2, 24)
EVENT_END = date(2024, 3, 10)
EVENT_AREA = "高鐵臺南站燈區、安平燈區及安南區周邊"
EVENT_DISTRICTS = {"歸仁區": 5, "安南區": 3, "安平區": 3, "中西區": 1}
EVENT_CATEGORIES = {"違規停車": 6, "交通運輸": 3, "髒亂及污染": 3, "噪音舉發": 1, "一般陳情": 1}

CHANNELS = {
    Channel.HOTLINE_1999: 72,
    Channel.APP: 10,
    Channel.WEB: 6,
    Channel.MAYOR_MAILBOX: 6,
    Channel.EMAIL: 3,
    Channel.COUNTER: 2,
    Channel.LETTER: 1,
}
MONTH_FACTOR = [0.85, 0.8, 0.95, 0.95, 1.0, 1.1, 1.25, 1.3, 1.2, 1.0, 0.95, 0.9]
WEEKDAY_FACTOR = [1.15, 1.1, 1.05, 1.05, 1.0, 0.75, 0.7]
HOLIDAY_FACTOR = 0.75  # a weekday off (national holiday, typhoon day)
GROWTH_PER_YEAR = 0.05
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 13, 11, 9, 11, 12, 12, 11, 10, 9, 9, 8, 7, 4, 2]

# Category weights; the typhoon months (Jul–Sep) weigh road repairs and pollution more.
CATEGORY_WEIGHTS = {
    "違規停車": 25,
    "道路維修": 15,
    "髒亂及污染": 14,
    "路燈故障": 12,
    "交通運輸": 8,
    "一般陳情": 7,
    "噪音舉發": 6,
    "動物救援": 5,
    "民生管線": 4,
    "騎樓舉發": 3,
    "複雜陳情": 1,
}
TYPHOON_MONTHS = {7, 8, 9}
TYPHOON_BOOST = {"道路維修": 1.8, "髒亂及污染": 1.3, "民生管線": 1.5, "路燈故障": 1.3}

# Handling agencies by subcategory name, else by category name: (agency code, weight);
# "區" stands for the office of the district the case is in.
DISTRICT_OFFICE = "區"
AGENCIES_BY_SUBCATEGORY = {
    "妨害安寧": [("B18", 1)],
    "場所連續噪音": [("B17", 3), ("B18", 1)],
    "路樹傾倒": [("S06", 2), (DISTRICT_OFFICE, 1)],
    "地下道積水": [("B07", 1)],
    "交通疏導": [("B18", 1)],
    "佔用道路": [("B06", 1), ("B18", 1)],
    "市區道路路面油漬": [("B06", 1), ("B17", 1)],
    "大型廢棄物清運": [("B17", 3), (DISTRICT_OFFICE, 1)],
}
AGENCIES_BY_CATEGORY = {
    "違規停車": [("B18", 7), ("B14", 2), ("S05", 1)],
    "路燈故障": [("B06", 7), (DISTRICT_OFFICE, 3)],
    "噪音舉發": [("B17", 1), ("B18", 1)],
    "騎樓舉發": [("B18", 1), ("B06", 1)],
    "道路維修": [("B06", 8), (DISTRICT_OFFICE, 2)],
    "交通運輸": [("B14", 1)],
    "髒亂及污染": [("B17", 1)],
    "民生管線": [("B05", 1)],
    "動物救援": [("S03", 1)],
    "一般陳情": [
        (DISTRICT_OFFICE, 8),
        ("B06", 3),
        ("B12", 2),
        ("B02", 2),
        ("B08", 2),
        ("B04", 2),
        ("B17", 2),
        ("B14", 2),
        ("B07", 2),
        ("B16", 1),
        ("B13", 1),
        ("B11", 1),
        ("B10", 1),
        ("B09", 1),
        ("B15", 1),
        ("S06", 1),
    ],
    "複雜陳情": [("B12", 3), ("B15", 2), ("B06", 2), ("B02", 1), ("B07", 1), (DISTRICT_OFFICE, 1)],
}
# The long tail: agencies that routinely close late, (share closed late, share never closed).
SLOW_AGENCIES = {
    "B12": (0.22, 0.012),
    "B15": (0.18, 0.010),
    "S06": (0.15, 0.006),
    "D23": (0.30, 0.015),
    "D25": (0.26, 0.012),
    "D30": (0.24, 0.010),
    "B05": (0.10, 0.004),
}
LATE = 0.03  # share closed late elsewhere
NEVER_CLOSED = 0.0005
SAME_DAY = 0.15  # share of the on-time closes made the day received (0.5 day)
TRANSFERRED = 0.03
REOPENED = 0.01  # reopened and closed again
STILL_REOPENED = 0.002
RATED = 0.3
SATISFACTION = [1, 2, 3, 4, 5]
SATISFACTION_CUM = [3, 7, 15, 40, 100]
SLOW_SATISFACTION_CUM = [8, 18, 35, 65, 100]
HALF_DAY = Decimal("0.5")
SPOTS = 256  # coordinates per district
IN_PROGRESS = CaseStatus.IN_PROGRESS.value
REOPENED_STATUS = CaseStatus.REOPENED.value
CLOSED = CaseStatus.CLOSED.value
OFFICE_OPENS = time(8, 30)

# Approximate population (10k) and centre of each district, for weights and coordinates.
DISTRICTS = {
    "新營區": (7.6, 23.3103, 120.3167),
    "鹽水區": (2.4, 23.3197, 120.2664),
    "白河區": (2.7, 23.3514, 120.4158),
    "柳營區": (2.0, 23.2781, 120.3111),
    "後壁區": (2.2, 23.3664, 120.3606),
    "東山區": (2.0, 23.3264, 120.4036),
    "麻豆區": (4.4, 23.1817, 120.2481),
    "下營區": (2.3, 23.2353, 120.2644),
    "六甲區": (2.1, 23.2319, 120.3478),
    "官田區": (2.1, 23.1947, 120.3147),
    "大內區": (0.9, 23.1194, 120.3486),
    "佳里區": (5.8, 23.1650, 120.1772),
    "學甲區": (2.5, 23.2325, 120.1803),
    "西港區": (2.4, 23.1231, 120.2036),
    "七股區": (2.2, 23.1403, 120.1400),
    "將軍區": (1.9, 23.1994, 120.1567),
    "北門區": (1.0, 23.2669, 120.1253),
    "新化區": (4.3, 23.0386, 120.3106),
    "善化區": (5.0, 23.1322, 120.2967),
    "新市區": (3.8, 23.0789, 120.2950),
    "安定區": (3.0, 23.1211, 120.2372),
    "山上區": (0.7, 23.1031, 120.3528),
    "玉井區": (1.3, 23.1236, 120.4606),
    "楠西區": (0.9, 23.1733, 120.4853),
    "南化區": (0.8, 23.0422, 120.4772),
    "左鎮區": (0.4, 23.0578, 120.4072),
    "仁德區": (7.6, 22.9722, 120.2522),
    "歸仁區": (6.9, 22.9669, 120.2933),
    "關廟區": (3.3, 22.9628, 120.3278),
    "龍崎區": (0.4, 22.9656, 120.3608),
    "永康區": (23.6, 23.0261, 120.2569),
    "東區": (18.5, 22.9800, 120.2247),
    "南區": (12.2, 22.9608, 120.1886),
    "北區": (13.1, 23.0103, 120.2031),
    "安南區": (19.7, 23.0478, 120.1853),
    "安平區": (6.7, 22.9928, 120.1669),
    "中西區": (7.7, 22.9925, 120.1975),
}
ROADS = [
    "中正路", "中山路", "民族路", "民生路", "民權路", "成功路", "公園路", "府前路", "健康路",
    "大同路", "長榮路", "東門路", "中華路", "永華路", "安平路", "和平路", "復興路", "文化路",
    "忠孝路", "信義路", "光明街", "自強街", "建國路", "開元路",
]  # fmt: skip
SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周徐蘇葉莊呂江何蕭羅高潘簡朱鍾彭游詹胡施沈余趙盧梁顏柯孫魏翁戴范宋方"  # noqa: E501
GIVEN = (
    "志明淑芬家豪怡君雅婷俊傑美玲建宏宗翰詩涵冠宇佩君嘉玲文彬承恩柏翰欣怡子涵思妤宜蓁佳穎彥廷秀英"
)
MAIL_DOMAINS = ["gmail.com", "yahoo.com.tw", "hotmail.com", "msa.hinet.net", "outlook.com"]
# The description of a case: one of its category's complaints in one of the ways people say it,
# about a place or a landmark near it — varied enough (36 phrasings a category) that the routing
# model (petitions.routing) learns the words, not one template. Chosen from draws the case
# already makes, so adding phrasings never moves the rest of the generated log.
COMPLAINTS = {
    "違規停車": [
        "有車輛違規停放，影響通行",
        "汽車長期占用紅線停車",
        "機車停滿人行道，行人只能走車道",
        "貨車並排卸貨堵住車道",
        "有車輛停在消防栓前",
        "廢棄車輛停放多日無人移置",
    ],
    "路燈故障": [
        "路燈不亮，夜間行經危險",
        "路燈忽明忽暗",
        "整排路燈晚上都沒亮",
        "路燈白天也一直亮著，浪費電",
        "路燈燈桿歪斜快倒了",
        "巷口路燈燈罩破損",
    ],
    "噪音舉發": [
        "深夜噪音擾人，影響住戶安寧",
        "工地清晨就開始施工，噪音很大",
        "店家音響開很大聲到半夜",
        "有人深夜飆車改裝排氣管很吵",
        "冷氣室外機運轉噪音嚴重",
        "卡拉OK歌聲吵到凌晨",
    ],
    "騎樓舉發": [
        "騎樓遭堆放物品占用，行人無法通行",
        "店家把貨架擺到騎樓",
        "騎樓被機車停滿，無法行走",
        "騎樓地面高低不平，長輩容易跌倒",
        "攤販占用騎樓做生意",
        "騎樓被加蓋鐵皮圍起來",
    ],
    "道路維修": [
        "{sub}，機車行經危險",
        "路面出現大坑洞",
        "柏油路面龜裂隆起",
        "人孔蓋下陷，車輛經過會彈跳",
        "道路修補後仍凹凸不平",
        "水溝蓋鬆動，踩上去會翹起",
    ],
    "交通運輸": [
        "{sub}",
        "公車過站不停",
        "紅綠燈秒數太短，行人來不及過馬路",
        "號誌燈故障一直閃黃燈",
        "公車站牌時刻表資訊錯誤",
        "路口標線模糊看不清楚",
    ],
    "髒亂及污染": [
        "{sub}",
        "有人亂丟垃圾，堆積發臭",
        "空地雜草叢生，蚊蟲很多",
        "水溝堵塞發出惡臭",
        "工廠排放黑煙，味道刺鼻",
        "垃圾車沒有依時間來收",
    ],
    "民生管線": [
        "{sub}",
        "自來水管破裂一直漏水",
        "地下管線施工後路面沒有恢復",
        "瓦斯味很重，擔心管線外洩",
        "電線桿上電線垂落很低",
        "施工挖開路面後沒有設置警示",
    ],
    "動物救援": [
        "{sub}",
        "有流浪狗受傷躺在路邊",
        "野狗成群追車，很危險",
        "有蛇跑進住家",
        "有貓咪卡在水溝裡出不來",
        "蜂窩築在住家屋簷下",
    ],
    "一般陳情": [
        "周邊公共設施及環境問題",
        "公園遊具損壞，小孩玩耍危險",
        "行道樹枝葉過長遮住號誌",
        "公廁環境髒亂沒有人清潔",
        "活動中心開放時間希望延長",
        "人行道地磚破損翹起",
    ],
    "複雜陳情": [
        "一帶土地使用及建築相關爭議",
        "鄰地違章建築影響日照與通風",
        "都市計畫道路多年未開闢",
        "私有土地被公共設施占用，要求補償",
        "建案施工造成鄰房龜裂",
        "土地重劃分配結果有爭議",
    ],
}
PHRASINGS = [
    "{place}{complaint}，請派員處理。",
    "民眾反映{landmark}附近{complaint}，已多日未改善，請儘速處理。",
    "{complaint}（地點：{place}），影響往來民眾安全，請相關單位協助。",
    "我住在{road}附近，{complaint}，希望市府儘快處理。",
    "於{place}發現{complaint}，麻煩派人來看一下。",
    "{landmark}旁{complaint}，請權責單位查處並回復。",
]
LANDMARKS = [
    "國小", "國中", "市場", "公園", "廟口", "夜市", "郵局", "圖書館", "活動中心", "加油站",
    "便利商店", "診所", "火車站", "公車站", "派出所", "運動場", "停車場", "教會",
]  # fmt: skip


# One call in REPEAT_EVERY (by its second of the day) repeats an earlier call of the day about
# the same category in the same district: the same place and complaint, in a phrasing that
# names the place (those of PHRASINGS that hold {place}).
REPEAT_EVERY = 16
_PLACE_FRAMES = [i for i, frame in enumerate(PHRASINGS) if "{place}" in frame]


def repeat_pick(category: str, first_pick: int, variant: int) -> int:
    """A ``describe`` pick with the complaint of ``first_pick`` and a phrasing that names the
    place, chosen by ``variant``."""
    n = len(COMPLAINTS.get(category) or ["{sub}"])
    return first_pick % n + n * _PLACE_FRAMES[variant % len(_PLACE_FRAMES)]


def describe(category: str, sub: str, place: str, road: str, pick: int) -> str:
    """A description of the category's ``pick``-th phrasing (any integer: taken modulo)."""
    complaints = COMPLAINTS.get(category) or ["{sub}"]
    complaint = complaints[pick % len(complaints)].format(sub=sub)
    frame = PHRASINGS[(pick // len(complaints)) % len(PHRASINGS)]
    landmark = road + LANDMARKS[(pick // 7) % len(LANDMARKS)]
    return frame.format(place=place, complaint=complaint, landmark=landmark, road=road)
