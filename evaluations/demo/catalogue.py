"""The demo service-quality vocabulary: the units tested by phone, the counters audited, the
agencies to improve, the testers, auditors, findings and the service-award themes."""

from __future__ import annotations

SEED = 20240326
COACHING_YEAR = 2023  # 112年, the briefing's figures

BUREAU_UNITS = ["行政科", "企劃科", "秘書室"]
# Units that sound right for some bureaus; the others get BUREAU_UNITS.
KNOWN_UNITS = {
    "B06": ["養護工程科", "道路工程科", "建築管理科"],
    "B07": ["雨水下水道科", "河川海岸科", "污水工程科"],
    "B02": ["戶政科", "宗教禮俗科", "自治行政科"],
    "B03": ["地方稅服務科", "房屋稅科", "使用牌照稅科"],
    "B14": ["交通管理科", "運輸規劃科", "公共運輸處"],
    "B16": ["疾病管制科", "食品藥物安全科", "長期照護科"],
    "B17": ["廢棄物管理科", "空氣品質科", "稽查科"],
}
SECOND_TIER_UNITS = ["服務台", "行政課"]
DISTRICT_UNITS = ["民政課", "社會課"]
COUNTERS = {
    "B01": "市府聯合服務中心",
    "B15": "地政便民服務櫃台",
    "B03": "地方稅服務櫃台",
    "B02": "戶政服務櫃台",
    "B08": "社會福利服務櫃台",
    "B09": "勞工服務櫃台",
    "B12": "建照服務櫃台",
}
IMPROVEMENT_AGENCIES = ["B10", "B13", "B17", "B20", "S05", "D31", "D34"]
TESTERS = ["陳專員", "林研究員", "黃約聘研究員", "吳專員"]
AUDITORS = ["神秘客A", "神秘客B", "神秘客C"]
FINDINGS = [
    ("E3", "洽公區雙語標示不足，外籍人士不易辨識櫃台業務。", "增設中英雙語櫃台及動線標示。"),
    ("T5", "部分櫃台人員未配戴識別證。", "要求櫃台同仁全程配戴識別證，並由主管每日抽查。"),
    ("F4", "哺（集）乳室指引標示不清。", "於大廳及電梯口增設哺集乳室指引。"),
    ("T1", "民眾到櫃台時承辦人未起身招呼。", "辦理服務禮儀訓練並納入櫃台考核。"),
    ("P2", "未一次告知應備文件，民眾須往返補件。", "製作應備文件檢核表供櫃台使用。"),
    ("E1", "等候區垃圾桶滿溢、地面有水漬。", "調整清潔班表，尖峰時段加強巡檢。"),
    ("F8", "未提供老花眼鏡。", "各櫃台備置老花眼鏡並定期檢查。"),
]
AWARD_THEMES = [
    "智慧櫃台一站式服務",
    "行動支付便民繳費",
    "高齡友善服務網",
    "數位身分線上申辦",
    "社區關懷共融計畫",
    "災防資訊即時通",
    "青年創業陪伴計畫",
    "新住民友善服務",
]
