"""The demo registry's vocabulary: awards per class in the briefing's proportions, and the
international and national awards, evaluations, groups and results the demo draws from."""

from __future__ import annotations

from awards.choices import AwardClass

SEED = 20240326
YEARS = 5
DISTRICT = "D"  # any district office

# Awards per class: the briefing's subtotals (43, 229, 86, 80, 58, 454, 267, 92, 353) ÷ ~4.8.
CLASS_COUNTS = {
    AwardClass.INTERNATIONAL: 9,
    AwardClass.NATIONAL: 48,
    AwardClass.FIRST_PLACE: 18,
    AwardClass.SECOND_PLACE: 17,
    AwardClass.THIRD_PLACE: 12,
    AwardClass.MERIT: 95,
    AwardClass.EXCELLENT: 56,
    AwardClass.GRADE_A: 19,
    AwardClass.OTHER: 74,
}
# Share of each class that is a first prize or an excellent result (about 890 of 1,662).
TOP_SHARE = {
    AwardClass.INTERNATIONAL: 0.8,
    AwardClass.NATIONAL: 0.7,
    AwardClass.FIRST_PLACE: 1.0,
    AwardClass.SECOND_PLACE: 0.0,
    AwardClass.THIRD_PLACE: 0.0,
    AwardClass.MERIT: 0.6,
    AwardClass.EXCELLENT: 0.8,
    AwardClass.GRADE_A: 0.2,
    AwardClass.OTHER: 0.3,
}

# (awarding body, award, agencies that win it)
INTERNATIONAL = [
    ("德國iF國際論壇設計公司", "iF設計獎", ["B11", "B13", "B22", "B29"]),
    ("德國紅點設計協會", "紅點設計大獎", ["B11", "B13", "B22"]),
    ("國際宜居城市獎組織委員會", "國際宜居城市獎", ["B17", "B06", "B12"]),
    ("IDC", "亞太區智慧城市大獎", ["B29", "B14", "B26"]),
    ("亞太旅行協會", "PATA金獎", ["B11"]),
    ("國際城市管理協會", "智慧城市領袖獎", ["B29", "B26"]),
]
NATIONAL = [
    ("國家發展委員會", "政府服務獎", ["B26", "B08", "B16", "B29", "B15", "B03", DISTRICT]),
    ("行政院", "國家永續發展獎", ["B17", "B10", "B07"]),
    ("行政院公共工程委員會", "公共工程金質獎", ["B06", "B07", "B12", "S06"]),
    ("財團法人台灣建築中心", "國家卓越建設獎", ["B06", "B07", "B12"]),
    ("環境部", "國家環境教育獎", ["B17", "B04"]),
    ("內政部", "智慧城市創新應用獎", ["B29", "B14"]),
    ("教育部", "閱讀磐石獎", ["B04", "S01"]),
    ("國家發展委員會檔案管理局", "金檔獎", ["B01", "B15", "B02", DISTRICT]),
    ("國家發展委員會", "政府機關資訊通報獎", ["B29", "B26"]),
]
# Evaluations ranked by the central government: the class is the rank or grade.
EVALUATIONS = [
    ("教育部體育署", "全民運動推展績效評鑑", ["B20"]),
    ("衛生福利部", "社會福利績效考核", ["B08"]),
    ("衛生福利部", "地方衛生機關業務考評", ["B16"]),
    ("內政部", "戶政業務績效評比", ["B02", DISTRICT]),
    ("內政部", "地政業務績效考評", ["B15"]),
    ("內政部消防署", "消防救災績效評比", ["B19"]),
    ("內政部警政署", "治安維護工作績效評比", ["B18"]),
    ("環境部", "全國環境清潔維護評比", ["B17", DISTRICT]),
    ("交通部", "道路交通安全績效評比", ["B14"]),
    ("財政部", "地方稅務績效考核", ["B03"]),
    ("勞動部", "就業服務績效評鑑", ["B09"]),
    ("農業部", "動物保護業務評鑑", ["S03", "B10"]),
    ("行政院人事行政總處", "人事業務績效考評", ["B23"]),
    ("法務部廉政署", "廉政業務績效評核", ["B24"]),
    ("行政院主計總處", "主計業務考評", ["B25"]),
    ("原住民族委員會", "原住民族業務評鑑", ["B27"]),
    ("客家委員會", "客家事務績效評比", ["B28"]),
    ("經濟部水利署", "水利建設考核", ["B07"]),
    ("國家發展委員會", "一般性補助款基本設施計畫執行績效考核", ["B26", "B06", "B07"]),
    ("內政部", "公所災害防救業務訪評", [DISTRICT]),
]
GROUPS = ["直轄市組", "甲組", "乙組", "縣市組", "特別組", "創新組", "服務組", "推廣組"]
OTHER_RESULTS = ["特優", "佳作", "進步獎", "特色獎", "創意獎", "優良獎"]
RETURN_REASONS = [
    "佐證文件不足，請補上傳獲獎公文或證書。",
    "獎項類別有誤，評比結果為甲等，請更正類別。",
    "頒獎單位名稱請填全銜。",
]
SUFFIX = {
    AwardClass.FIRST_PLACE: "第1名",
    AwardClass.SECOND_PLACE: "第2名",
    AwardClass.THIRD_PLACE: "第3名",
    AwardClass.MERIT: "績優",
    AwardClass.EXCELLENT: "優等",
    AwardClass.GRADE_A: "甲等",
}
