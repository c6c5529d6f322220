"""Print a year's office calendar to check it against the Executive Yuan's published one.

    python manage.py workday_calendar 2024      # or the ROC year: 113

Lists the weekdays off and the weekend working days (make-up days), in ROC dates, with where
each comes from (the national holiday's name or the local exception's reason), and the total
number of days off, the figure the published calendar heads with (113年: 115 days).
"""

from __future__ import annotations

import holidays
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tainan_rdec.models import CalendarException
from tainan_rdec.roc import ROC_OFFSET, format_roc_date
from tainan_rdec.workdays import MAX_YEAR, MIN_YEAR, WorkingCalendar

WEEKDAYS = "一二三四五六日"


class Command(BaseCommand):
    help = "Print a year's days off and make-up working days (ROC dates)."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="Gregorian (2024) or ROC (113) year")

    def handle(self, *args, year, **options):
        if year < 1000:
            year += ROC_OFFSET
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise CommandError(f"year must be between {MIN_YEAR} and {MAX_YEAR}")

        calendar = WorkingCalendar.for_years(year, year)
        national = holidays.country_holidays("TW", years=year, language="zh_TW")
        local = {row.date: row for row in CalendarException.objects.filter(date__year=year)}

        def source(day):
            if day in local:
                return _("本府例外：{reason}").format(reason=local[day].reason)
            if day in national:
                return national.get(day)
            if day in national.weekend_workdays:
                return _("補行上班")
            return ""

        def line(day):
            weekday = _("（{weekday}）").format(weekday=WEEKDAYS[day.weekday()])
            return f"  {format_roc_date(day):<10}{weekday}  {source(day)}".rstrip()

        days_off = calendar.days_off(year)
        weekdays_off = [day for day in days_off if day.weekday() < 5]
        make_up_days = calendar.weekend_working_days(year)

        write = self.stdout.write
        write(_("{roc}年（{year}）辦公日曆").format(roc=year - ROC_OFFSET, year=year))
        write(_("放假日數（含週末）：{count}").format(count=len(days_off)))
        write(_("平日放假（{count}日）：").format(count=len(weekdays_off)))
        for day in weekdays_off:
            write(line(day))
        write(_("週末補行上班（{count}日）：").format(count=len(make_up_days)))
        for day in make_up_days:
            write(line(day))
