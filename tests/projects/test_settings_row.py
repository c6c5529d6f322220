"""The settings row made on first use holds the same types as a stored one."""

from decimal import Decimal

import pytest

from projects.models import ControlSettings

pytestmark = pytest.mark.django_db


def test_the_first_settings_row_reads_as_decimals():
    ControlSettings.objects.all().delete()
    rules = ControlSettings.get()
    assert isinstance(rules.seriously_behind_points, Decimal)
    assert rules.seriously_behind_points.to_integral_value() == Decimal(10)
