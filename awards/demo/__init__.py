"""Demo awards (示範獎項): about 350 awards of the city's agencies over the five ROC years
before this one, across the nine classes in about the proportions of the briefing's 108–112
table (1,662 awards, scaled down about five times), about half of them 首獎及卓越成績.

Most awards are confirmed; in the latest year some still wait for a reviewer and a few were
returned with a reason. Each award gets its history: registered by the agency (the demo user
of 工務局 or 水利局 where there is one) and, when confirmed or returned, the reviewer's step.

``seed(stdout)`` is registered as a demo seeder. It is deterministic (``random.Random(SEED)``,
years relative to today's ROC year) and idempotent: an award whose natural key (agency, year,
name, awarding body) exists is left alone, so a re-run writes nothing. The five-year benchmark
data set (tests/perf/fiveyear) draws and writes its registry with the same ``plan_awards`` and
``write_awards``.
"""

from awards.demo.writer import seed

__all__ = ["seed"]
