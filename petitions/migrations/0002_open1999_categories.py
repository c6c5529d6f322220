"""The OPEN1999 categories and subcategories (DOMAIN.md), with default time limits in working
days (dispatch repairs 1–3, ordinary petitions 6, complex petitions 30); admins edit them."""

from django.db import migrations

CATEGORIES = [
    ("違規停車", 2, ["違規停車"]),
    ("路燈故障", 3, ["9盞以下路燈故障", "10盞以上路燈故障"]),
    ("噪音舉發", 2, ["妨害安寧", "場所連續噪音"]),
    ("騎樓舉發", 3, ["騎樓舉發"]),
    (
        "道路維修",
        3,
        [
            "路面坑洞",
            "寬平管線/孔蓋損壞",
            "路面下陷/凹陷",
            "路面掏空/塌陷",
            "路樹傾倒",
            "地下道積水",
            "人孔蓋或溝蓋聲響/鬆動",
            "人孔蓋凹陷坑洞",
        ],
    ),
    (
        "交通運輸",
        3,
        ["號誌故障", "號誌秒差調整", "公車動態LED跑馬燈資訊異常", "交通疏導", "佔用道路"],
    ),
    (
        "髒亂及污染",
        3,
        [
            "空氣污染",
            "其他污染舉發",
            "環境髒亂",
            "道路散落物",
            "小廣告/旗幟",
            "大型廢棄物清運",
            "市區道路路面油漬",
        ],
    ),
    (
        "民生管線",
        2,
        [
            "電信孔蓋鬆動/線路掉落",
            "停電/漏電",
            "停水/漏水",
            "天然氣外洩",
            "瓦斯管溝修補/孔蓋鬆動",
        ],
    ),
    ("動物救援", 1, ["遊蕩犬隻捕捉管制", "犬貓急難救援"]),
    ("一般陳情", 6, ["一般陳情"]),
    ("複雜陳情", 30, ["複雜陳情"]),
]


def load(apps, schema_editor):
    Category = apps.get_model("petitions", "Category")
    Subcategory = apps.get_model("petitions", "Subcategory")
    for c, (name, limit, subs) in enumerate(CATEGORIES, start=1):
        category, _ = Category.objects.get_or_create(
            name=name, defaults={"time_limit_days": limit, "sort_order": c * 10}
        )
        for s, sub in enumerate(subs, start=1):
            Subcategory.objects.get_or_create(
                code=f"{c:02d}{s:02d}", defaults={"category": category, "name": sub}
            )


class Migration(migrations.Migration):
    dependencies = [("petitions", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
