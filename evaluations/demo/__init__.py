"""Demo data for the service-quality section (``seed_demo``).

``seed(stdout, today=None)`` adds, for last year (Y = today's year − 1):

- about 370 telephone courtesy tests: 173 units (three per bureau, two per second-tier agency,
  two per district office) called twice each, and the 1999 hotline and the city switchboard
  called once a month;
- 95 mystery-shopper audits: the 37 district offices twice, seven city hall counters once and
  seven agencies marked for improvement twice, with improvement items (most verified, some
  reported and waiting, some still open and overdue);
- Y's audit target list, then Y's annual evaluation, computed and finalized, which puts Y's
  agencies needing improvement on this year's target list;
- this year: two audits at the demo bureaus (工務局, 水利局) with open improvement items, so
  their users have something to report back on;
- the Government Service Award funnel of 112年: 64 coached → 6 recommended → 4 shortlisted → 2
  winners.

Every record is written through the services, as a reviewer would (report-backs by the demo
admin, on the agencies' behalf). Deterministic (``random.Random(SEED)`` per agency) and
idempotent: a part whose records exist is skipped as a whole.
"""

from evaluations.demo.writer import seed

__all__ = ["seed"]
