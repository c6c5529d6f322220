from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tainan_rdec import workdays
from tainan_rdec.models import CalendarException


@receiver([post_save, post_delete], sender=CalendarException)
def _calendar_changed(**kwargs):
    workdays.invalidate_cache()
