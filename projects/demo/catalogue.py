"""The demo portfolio and its wording: the catalogue of about 80 projects (one row each:
agency, kind, category, work type, scenario, budget, districts, name), tender abbreviations,
work items, checkpoints, lag reasons, remedies and the reviewers' comments, by work type."""

from __future__ import annotations

from decimal import Decimal

from projects.choices import (
    ExecutionPhase,
    ProjectKind,
)

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
