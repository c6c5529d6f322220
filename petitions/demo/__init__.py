"""Demo cases (示範案件) at the city's scale: ``seed_demo --petitions N``.

``generate_cases(n)`` writes N plausible 1999 and petition cases received over the five years
before ``today``:

- volume by day: a yearly season (more in the summer typhoon months, fewer around the Lunar New
  Year), fewer on weekends and holidays, a slow growth year on year, and the 2024台灣燈會 spike
  (an ``Event``, 2024-02-24..2024-03-10, several thousand extra cases a day at N = 1.5 million,
  scaled down with N) in the event's districts and categories;
- channel mix (mostly the 1999 hotline), the OPEN1999 categories with typhoon-season weights,
  districts weighted by population, handling agencies mapped from the subcategory (a district
  office handles what its district reports in some categories);
- outcomes: due dates on the working-day calendar, most cases closed within their limit, a
  long tail of slow agencies that routinely close late and leave old cases open, a few transfers
  and reopened cases, a satisfaction score for some; recent cases are still open;
- fake but plausible personal data (names, mobile numbers, e-mail addresses).

It reads the reference rows once, builds one ``WorkingCalendar``, writes with ``bulk_create``
in batches of ``BATCH`` (no query per row) and rebuilds the daily rollups once at the end.

Deterministic and idempotent: the same ``n``, ``seed`` and ``today`` give the same cases (case
numbers, fields and outcomes), and a run finding any case in the table writes nothing.
"""

from petitions.demo.cases import generate_cases

__all__ = ["generate_cases"]
