"""Create the demo users (one per role, in two bureaus and the commission, and a senior official
of no agency). Safe to re-run."""

from django.core.management.base import BaseCommand
from django.db import transaction

from tainan_rdec.choices import Role
from tainan_rdec.models import Agency, User
from tainan_rdec.registry import demo_seeders

DEMO_PASSWORD = "demo-pass-2024"

# (username, last name, first name, role, agency code or None, title)
DEMO_USERS = [
    ("pw_staff", "王", "小明", Role.BUREAU_STAFF, "B06", "工程員"),
    ("pw_manager", "陳", "美玲", Role.BUREAU_MANAGER, "B06", "科長"),
    ("wr_staff", "林", "志豪", Role.BUREAU_STAFF, "B07", "技士"),
    ("wr_manager", "黃", "淑芬", Role.BUREAU_MANAGER, "B07", "科長"),
    ("reviewer", "張", "家瑋", Role.REVIEWER, "B26", "研究員"),
    ("admin", "李", "怡君", Role.ADMIN, "B26", "系統管理師"),
    # A senior official reads every agency and belongs to none (the User model's rule).
    ("official", "周", "明德", Role.OFFICIAL, None, "副市長"),
]


class Command(BaseCommand):
    help = "建立示範帳號（每種角色一位，分屬工務局、水利局與研考會，及長官一位），可重複執行。"

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD, help="示範帳號的密碼")
        parser.add_argument(
            "--petitions",
            type=int,
            default=0,
            metavar="N",
            help="產生 N 件示範陳情及1999案件（如 1500000）；未指定時於無案件時產生少量示範案件",
        )

    @transaction.atomic
    def handle(self, *args, password, petitions, **options):
        codes = {row[4] for row in DEMO_USERS if row[4]}
        agencies = Agency.objects.in_bulk(list(codes), field_name="code")
        missing = codes - set(agencies)
        if missing:
            raise SystemExit(f"Agencies missing (run migrate first): {', '.join(sorted(missing))}")
        rows = []
        for username, last, first, role, code, title in DEMO_USERS:
            user, created = User.objects.update_or_create(
                username=username,
                defaults={
                    "last_name": last,
                    "first_name": first,
                    "title": title,
                    "role": role,
                    "agency": agencies.get(code),
                    "email": f"{username}@demo.tainan.gov.tw",
                    "is_active": True,
                    "is_staff": role == Role.ADMIN,
                    "is_superuser": role == Role.ADMIN,
                },
            )
            user.set_password(password)
            user.save()
            agency = agencies[code].short_name if code else "—"
            rows.append((username, role.label, agency, created))
        self.stdout.write(f"示範帳號（密碼皆為 {password}）：")
        for username, role_label, agency, created in rows:
            state = "新建" if created else "已更新"
            self.stdout.write(f"  {username:<12} {role_label:<8} {agency:<6} {state}")
        for key, seeder in demo_seeders():
            self.stdout.write(f"示範資料：{key}")
            seeder(self.stdout, petitions=petitions)
