"""A moment cell's shortcut (``DateTimeWidget._plain_moment``) gives exactly what the full
reading gives: the same moment, or, where the full reading refuses the cell, no shortcut at all
so that the full reading's message is the one shown."""

import datetime
import random

import pytest

from petitions.resources import CaseResource
from tainan_rdec.importing.widgets import _PLAIN_MOMENT, DateTimeWidget, _plain_day
from tainan_rdec.workdays import TAIPEI


def _reading(read, text):
    try:
        return ("value", read(text))
    except ValueError as error:
        return ("error", str(error))


def _texts(rng: random.Random, n: int):
    """Cells in and around the shortcut's form: ROC and Gregorian years of 1–4 digits, every
    separator, impossible days and clocks, years outside the column's range, seconds, and
    near misses (two spaces, a T, a time zone, full-width digits, a trailing space)."""
    separators = "./-"
    for _ in range(n):
        year = rng.choice(
            [rng.randint(1, 130), rng.randint(90, 116), rng.randint(110, 115), 2024, 3935, 24]
        )
        month = rng.choice([rng.randint(1, 12)] * 8 + [0, 13])
        day = rng.choice([rng.randint(1, 28)] * 6 + [29, 30, 31, 0, 32])
        first = rng.choice(separators)
        second = first if rng.random() < 0.9 else rng.choice(separators)
        width = rng.choice([1, 2])
        date_text = f"{year}{first}{month:0{width}d}{second}{day:0{width}d}"
        hour = rng.choice([rng.randint(0, 23)] * 8 + [24, 99])
        minute = rng.choice([rng.randint(0, 59)] * 8 + [60])
        clock = f"{hour}:{minute:02d}"
        if rng.random() < 0.3:
            clock += f":{rng.choice([rng.randint(0, 59), 60]):02d}"
        text = f"{date_text} {clock}"
        yield rng.choice(
            [
                text,
                text,
                text,
                text.replace(" ", "  "),
                text.replace(" ", "T"),
                text + "+08:00",
                text + " ",
                text.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
            ]
        )


@pytest.mark.parametrize("widget", [DateTimeWidget(), CaseResource.fields["received_at"].widget])
def test_the_shortcut_reads_what_the_full_reading_reads(widget):
    rng = random.Random(113)
    shortcuts = 0
    for text in _texts(rng, 6000):
        shortcut = widget._plain_moment(text)
        full = _reading(widget.read, text)
        if full[0] == "value" and _PLAIN_MOMENT.fullmatch(text):
            # Every good cell of the plain form takes the shortcut.
            assert shortcut is not None, text
        if shortcut is not None:
            shortcuts += 1
            assert full == ("value", shortcut), text
            assert shortcut.tzinfo is TAIPEI
        assert _reading(widget.to_python, text) == full, text
    # The cells tried include a good number that take it.
    assert shortcuts > 300


def test_a_remembered_date_is_range_checked_once_and_the_clock_each_time():
    widget = DateTimeWidget(earliest=datetime.date(2021, 1, 1))
    assert widget.to_python("113/03/26 09:30") == datetime.datetime(
        2024, 3, 26, 9, 30, tzinfo=TAIPEI
    )
    assert widget.to_python("113/03/26 23:59:59") == datetime.datetime(
        2024, 3, 26, 23, 59, 59, tzinfo=TAIPEI
    )
    # A wrong clock on a remembered date still gets the full reading's message.
    with pytest.raises(ValueError, match="時間不正確"):
        widget.to_python("113/03/26 24:00")
    # A date before the column's range is never remembered as good.
    for _ in range(2):
        with pytest.raises(ValueError, match="早於"):
            widget.to_python("109/03/26 09:30")
    assert _plain_day("109/03/26", widget.earliest, widget.latest) is None
