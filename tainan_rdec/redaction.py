"""Personal data out of text the portal publishes (個人資料保護法).

Citizens write their national ID, phone number and home address into a case description, and
bureau staff write contacts into a project summary. Anything the open-data feeds publish as free
text goes through ``redact`` first: the Open311 API (petitions/views/open311.py) and the OC4IDS
package (projects/oc4ids.py).

What is masked, written the ways people type it (half- or full-width digits, with or without
separators):

- 身分證 national ID ``[A-Z][12]\\d{8}``; 居留證 resident certificate numbers, new
  ``[A-Z][89]\\d{8}`` and old ``[A-Z][A-D]\\d{8}``;
- mobile numbers ``09xx-xxx-xxx`` (also ``+886 9xx…``) and landlines ``0X-xxxxxxx``,
  ``(0X)xxx-xxxx``;
- e-mail addresses;
- names the caller knows (the case's own petitioner), wherever they appear.

Masking keeps the shape: the first two letters or digits stay and every later one becomes ``*``
(``A123456789`` → ``A1********``, ``0912-345-678`` → ``09**-***-***``), so a reader sees that an
identifier was there and what kind it was, and nothing more. A known name keeps its surname.

A house number goes entirely: the address keeps its road and section
(``臺南市東區大學路一段1號3樓之2`` → ``臺南市東區大學路一段``); lanes, alleys, floors, ``之N`` and
鄰 go with it. Only a number that follows a road, street, section, village (里/村) or 大道 is
taken for a house number, so ``國道1號`` and ``第12號`` stay as they are.

It errs on the side of masking: a number that merely looks like a phone number is masked too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Digits as typed in Chinese text: half-width, full-width (\d matches both) and Chinese numerals.
_NUM = r"[\d一二三四五六七八九十百千零〇]+"
_SEP = r"[-－‐\s]?"
_HOUSE_UNIT = r"(?:巷|弄|衖|號|号|樓|楼|[Ff]|室|鄰)"
_HOUSE_PART = rf"(?:地下|[Bb])?\s*{_NUM}\s*(?:[-－之]\s*{_NUM}\s*)?{_HOUSE_UNIT}(?:\s*之\s*{_NUM})?"

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_ID_NUMBER = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][12A-Da-d89]\d{8}(?!\d)")
_MOBILE = re.compile(rf"(?<!\d)(?:\+?886{_SEP}|[0０])[9９]\d{{2}}{_SEP}\d{{3}}{_SEP}\d{{3}}(?!\d)")
_LANDLINE = re.compile(
    rf"(?<!\d)(?:[(（][0０]\d{{1,2}}[)）]|[0０]\d{{1,2}}){_SEP}\d{{3,4}}{_SEP}\d{{3,4}}(?!\d)"
)
_HOUSE_NUMBER = re.compile(rf"(?:(?<=[路街段里村])|(?<=大道))\s*(?:{_HOUSE_PART}\s*)+")


def _mask(text: str, keep: int = 2) -> str:
    """Every letter or digit after the first ``keep`` becomes ``*``; separators stay."""
    out, seen = [], 0
    for char in text:
        if char.isalnum():
            seen += 1
            out.append(char if seen <= keep else "*")
        else:
            out.append(char)
    return "".join(out)


def _masked(match: re.Match) -> str:
    return _mask(match.group(0))


def redact(text: str | None, known: Iterable[str] = ()) -> str | None:
    """``text`` with the personal data above masked; ``known`` are further strings (a
    petitioner's name) to mask wherever they appear."""
    if not text:
        return text
    for name in known:
        if name and len(name) >= 2:
            text = text.replace(name, _mask(name, keep=1))
    # E-mail first: its local part may hold what looks like an ID or a phone number.
    text = _EMAIL.sub(_masked, text)
    text = _ID_NUMBER.sub(_masked, text)
    # Mobile before landline: a mobile number also has a landline's shape.
    text = _MOBILE.sub(_masked, text)
    text = _LANDLINE.sub(_masked, text)
    return _HOUSE_NUMBER.sub("", text)
