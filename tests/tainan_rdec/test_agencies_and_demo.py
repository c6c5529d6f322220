from io import StringIO

from django.core.management import call_command
from django.http import HttpRequest

from tainan_rdec.choices import AgencyKind, Role
from tainan_rdec.management.commands.seed_demo import DEMO_USERS
from tainan_rdec.models import Agency, User

DISTRICTS = (
    "新營區 鹽水區 白河區 柳營區 後壁區 東山區 麻豆區 下營區 六甲區 官田區 大內區 佳里區 學甲區 "
    "西港區 七股區 將軍區 北門區 新化區 善化區 新市區 安定區 山上區 玉井區 楠西區 南化區 左鎮區 "
    "仁德區 歸仁區 關廟區 龍崎區 永康區 東區 南區 北區 安南區 安平區 中西區"
).split()


def test_the_37_district_offices_are_loaded(city_agencies):
    offices = Agency.objects.filter(kind=AgencyKind.DISTRICT_OFFICE)
    assert offices.count() == 37
    assert {o.name for o in offices} == {f"臺南市{d}公所" for d in DISTRICTS}
    assert {o.parent.short_name for o in offices.select_related("parent")} == {"民政局"}


def test_the_bureaus_include_the_commission_and_the_1999_centre(city_agencies):
    assert Agency.objects.get(code="B26").name == "臺南市政府研究發展考核委員會"
    hotline = Agency.objects.get(kind=AgencyKind.HOTLINE_1999)
    assert hotline.parent.code == "B26"
    assert Agency.objects.filter(kind=AgencyKind.BUREAU).count() >= 25


def test_seed_demo_creates_one_user_per_role_and_is_idempotent(city_agencies, client):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)
    assert "demo-pass-2024" in out.getvalue()
    users = User.objects.filter(username__in=[row[0] for row in DEMO_USERS])
    assert users.count() == 7
    assert set(users.values_list("role", flat=True)) == set(Role.values)
    # The senior official reads every agency and belongs to none.
    assert users.get(role=Role.OFFICIAL).agency is None
    bureaus = set(
        users.filter(role__in=[Role.BUREAU_STAFF, Role.BUREAU_MANAGER]).values_list(
            "agency__short_name", flat=True
        )
    )
    assert bureaus == {"工務局", "水利局"}
    # django-axes watches logins: it needs the request a login comes with.
    assert client.login(request=HttpRequest(), username="reviewer", password="demo-pass-2024")
