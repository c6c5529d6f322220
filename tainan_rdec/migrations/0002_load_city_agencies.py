"""Load Tainan City Government's bureaus, some second-tier agencies and the 37 district offices.

Codes are the portal's own (B = bureau, S = second tier, D = district office, H = 1999 centre);
the PCC agency codes are mapped later by the tender-system import.
"""

from django.db import migrations

BUREAUS = [
    ("B01", "臺南市政府秘書處", "秘書處"),
    ("B02", "臺南市政府民政局", "民政局"),
    ("B03", "臺南市政府財政稅務局", "財稅局"),
    ("B04", "臺南市政府教育局", "教育局"),
    ("B05", "臺南市政府經濟發展局", "經發局"),
    ("B06", "臺南市政府工務局", "工務局"),
    ("B07", "臺南市政府水利局", "水利局"),
    ("B08", "臺南市政府社會局", "社會局"),
    ("B09", "臺南市政府勞工局", "勞工局"),
    ("B10", "臺南市政府農業局", "農業局"),
    ("B11", "臺南市政府觀光旅遊局", "觀旅局"),
    ("B12", "臺南市政府都市發展局", "都發局"),
    ("B13", "臺南市政府文化局", "文化局"),
    ("B14", "臺南市政府交通局", "交通局"),
    ("B15", "臺南市政府地政局", "地政局"),
    ("B16", "臺南市政府衛生局", "衛生局"),
    ("B17", "臺南市政府環境保護局", "環保局"),
    ("B18", "臺南市政府警察局", "警察局"),
    ("B19", "臺南市政府消防局", "消防局"),
    ("B20", "臺南市政府體育局", "體育局"),
    ("B21", "臺南市政府法制處", "法制處"),
    ("B22", "臺南市政府新聞及國際關係處", "新聞處"),
    ("B23", "臺南市政府人事處", "人事處"),
    ("B24", "臺南市政府政風處", "政風處"),
    ("B25", "臺南市政府主計處", "主計處"),
    ("B26", "臺南市政府研究發展考核委員會", "研考會"),
    ("B27", "臺南市政府原住民族事務委員會", "原民會"),
    ("B28", "臺南市政府客家事務委員會", "客委會"),
    ("B29", "臺南市政府智慧發展中心", "智發中心"),
]

SECOND_TIER = [
    ("S01", "臺南市立圖書館", "市圖", "B13"),
    ("S02", "臺南市美術館", "南美館", "B13"),
    ("S03", "臺南市動物防疫保護處", "動保處", "B10"),
    ("S04", "臺南市家庭教育中心", "家教中心", "B04"),
    ("S05", "臺南市政府交通局停車管理處", "停管處", "B14"),
    ("S06", "臺南市政府工務局公園管理處", "公園處", "B06"),
]

DISTRICTS = (
    "新營區 鹽水區 白河區 柳營區 後壁區 東山區 麻豆區 下營區 六甲區 官田區 大內區 佳里區 學甲區 "
    "西港區 七股區 將軍區 北門區 新化區 善化區 新市區 安定區 山上區 玉井區 楠西區 南化區 左鎮區 "
    "仁德區 歸仁區 關廟區 龍崎區 永康區 東區 南區 北區 安南區 安平區 中西區"
).split()


def load(apps, schema_editor):
    Agency = apps.get_model("tainan_rdec", "Agency")
    order = 0
    by_code = {}
    for code, name, short in BUREAUS:
        order += 10
        by_code[code], _ = Agency.objects.update_or_create(
            code=code,
            defaults={"name": name, "short_name": short, "kind": "bureau", "sort_order": order},
        )
    for code, name, short, parent in SECOND_TIER:
        order += 10
        Agency.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "short_name": short,
                "kind": "second_tier",
                "parent": by_code[parent],
                "sort_order": order,
            },
        )
    order += 10
    Agency.objects.update_or_create(
        code="H01",
        defaults={
            "name": "臺南市政府1999話務中心",
            "short_name": "1999話務中心",
            "kind": "hotline",
            "parent": by_code["B26"],
            "sort_order": order,
        },
    )
    for number, district in enumerate(DISTRICTS, start=1):
        order += 10
        Agency.objects.update_or_create(
            code=f"D{number:02d}",
            defaults={
                "name": f"臺南市{district}公所",
                "short_name": f"{district}公所",
                "kind": "district",
                "parent": by_code["B02"],
                "sort_order": order,
            },
        )


def unload(apps, schema_editor):
    apps.get_model("tainan_rdec", "Agency").objects.filter(users__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("tainan_rdec", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
