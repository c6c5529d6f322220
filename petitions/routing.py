"""派工建議: a routing model trained on the city's own closed cases.

From a case's description, category, subcategory and district it suggests the agency that will
finally handle it (and, from the description and district alone, the category). Chinese needs no
word segmentation for this: the text is cut into character n-grams (1–3), weighted by TF-IDF, and
a linear classifier (scikit-learn's ``SGDClassifier`` with the logistic loss, which gives
probabilities) learns them.

- **Training** (``train``): the newest ``ROUTING_TRAINING_CASES`` closed cases. The last month of
  them is held out: the model learns from the months before it and is measured on it (top-1 and
  top-3 accuracy), so the figures say how it does on cases it has never seen. Training time,
  peak memory and the latency of one suggestion are measured too.
- **Versions**: each training writes ``routing-v<N>.joblib`` (the model) and ``routing-v<N>.json``
  (its figures) to ``ROUTING_MODEL_DIR``; the highest N is the current model; the newest
  ``ROUTING_KEEP`` versions are kept. Nothing else writes there (uploads are stored under names
  the portal makes), and only the portal's own trainings are ever loaded.
- **Without a model** the portal works as before: ``suggest`` returns nothing.
"""

from __future__ import annotations

import json
import logging
import re
import resource
import statistics
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from petitions.choices import CaseStatus
from petitions.models import Case, CaseTransfer, Category
from tainan_rdec.models import Agency
from tainan_rdec.workdays import TAIPEI

logger = logging.getLogger(__name__)

_FILE = re.compile(r"^routing-v(\d+)\.joblib$")
LATENCY_SAMPLES = 200
# Fewer closed cases than this and the figures would mean nothing: training is refused.
MIN_TRAINING_CASES = 50


class NotEnoughCases(Exception):
    """Too few closed cases to learn from or to measure on (the message is for the admin)."""


@dataclass
class ModelFigures:
    version: int
    trained_at: str  # ISO 8601, Taipei
    training_cases: int
    held_out_cases: int
    held_out_month: str  # "2024-03"
    top1: float  # share of the held-out month's cases whose final agency was the first guess
    top3: float  # … among the first three
    category_top1: float
    training_seconds: float
    peak_memory_mb: float  # the training process's peak resident set size
    latency_p50_ms: float  # one suggestion for one case, as the case page asks for it
    latency_p95_ms: float
    agencies: int  # how many agencies the model can suggest

    @property
    def trained_on(self) -> datetime:
        return datetime.fromisoformat(self.trained_at)

    @property
    def held_out_start(self) -> date:
        """The held-out month's first day (the page shows it as an ROC month)."""
        year, month = self.held_out_month.split("-")
        return date(int(year), int(month), 1)


@dataclass(frozen=True)
class Suggestion:
    agency_id: int
    agency_name: str
    confidence: float  # 0–1

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


def case_text(category: str, subcategory: str, district: str, description: str) -> str:
    """What the agency model reads of a case."""
    return f"{category} {subcategory} {district} {description}"


def category_text(district: str, description: str) -> str:
    """What the category model reads: the category is what it guesses."""
    return f"{district} {description}"


def _pipeline():
    # Imported here: scikit-learn takes a second to import, and only training and suggesting
    # need it (never the pages of a portal without a model).
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(1, 3),
            min_df=2,
            max_features=2**18,
            sublinear_tf=True,
            dtype=np.float32,
        ),
        SGDClassifier(loss="log_loss", alpha=1e-6, max_iter=12, tol=None, random_state=0),
    )


def _month(moment: datetime) -> str:
    return f"{moment.astimezone(TAIPEI):%Y-%m}"


def _training_rows(limit: int) -> list[tuple]:
    """(received_at, agency text, category text, final agency id, category id) of the newest
    ``limit`` closed cases, oldest first."""
    rows = list(
        Case.objects.filter(status=CaseStatus.CLOSED)
        .order_by("-received_at")
        .values_list(
            "received_at",
            "category__name",
            "subcategory__name",
            "district__name",
            "description",
            "handling_agency_id",
            "category_id",
        )[:limit]
    )
    rows.reverse()
    return [
        (
            received,
            case_text(category, subcategory, district, description),
            category_text(district, description),
            agency,
            category_id,
        )
        for received, category, subcategory, district, description, agency, category_id in rows
    ]


def _top_k_share(model, texts: list[str], truth: list[int], k: int) -> float:
    import numpy as np

    probabilities = model.predict_proba(texts)
    classes = model.classes_
    best = np.argsort(-probabilities, axis=1)[:, :k]
    hits = sum(int(answer in classes[row]) for answer, row in zip(truth, best, strict=True))
    return hits / len(truth)


def model_dir() -> Path:
    return Path(settings.ROUTING_MODEL_DIR or Path(settings.MEDIA_ROOT) / "routing")


def _versions() -> list[int]:
    folder = model_dir()
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for p in folder.iterdir() if (m := _FILE.match(p.name)))


def train(*, limit: int | None = None) -> ModelFigures:
    """Train on the newest closed cases, measure on their last month, store a new version and
    return its figures. Raises ``NotEnoughCases`` when there is too little to learn from."""
    import joblib

    limit = limit or settings.ROUTING_TRAINING_CASES
    began = time.perf_counter()
    rows = _training_rows(limit)
    if len(rows) < MIN_TRAINING_CASES:
        raise NotEnoughCases(
            f"已結案件僅 {len(rows)} 件，至少需 {MIN_TRAINING_CASES} 件才能訓練派工建議模型。"
        )
    held_out_month = _month(rows[-1][0])
    learn = [row for row in rows if _month(row[0]) != held_out_month]
    test = [row for row in rows if _month(row[0]) == held_out_month]
    if len(learn) < MIN_TRAINING_CASES or len({row[3] for row in learn}) < 2:
        raise NotEnoughCases("保留最後一個月測試後，可訓練的已結案件不足或僅有一個處理機關。")

    agency_model = _pipeline().fit([r[1] for r in learn], [r[3] for r in learn])
    category_model = _pipeline().fit([r[2] for r in learn], [r[4] for r in learn])
    top1 = _top_k_share(agency_model, [r[1] for r in test], [r[3] for r in test], 1)
    top3 = _top_k_share(agency_model, [r[1] for r in test], [r[3] for r in test], 3)
    category_top1 = _top_k_share(category_model, [r[2] for r in test], [r[4] for r in test], 1)
    training_seconds = time.perf_counter() - began

    latencies = []
    for row in test[:LATENCY_SAMPLES]:
        started = time.perf_counter()
        agency_model.predict_proba([row[1]])
        latencies.append((time.perf_counter() - started) * 1000)

    version = (_versions() or [0])[-1] + 1
    figures = ModelFigures(
        version=version,
        trained_at=timezone.now().astimezone(TAIPEI).isoformat(timespec="seconds"),
        training_cases=len(learn),
        held_out_cases=len(test),
        held_out_month=held_out_month,
        top1=round(top1, 4),
        top3=round(top3, 4),
        category_top1=round(category_top1, 4),
        training_seconds=round(training_seconds, 1),
        peak_memory_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        latency_p50_ms=round(statistics.median(latencies), 2),
        latency_p95_ms=round(_p95(latencies), 2),
        agencies=len(agency_model.classes_),
    )
    folder = model_dir()
    folder.mkdir(parents=True, exist_ok=True)
    # The model first, its figures last: a version is current only once both are written.
    joblib.dump({"agency": agency_model, "category": category_model}, _path(version, "joblib"))
    _path(version, "json").write_text(json.dumps(asdict(figures), ensure_ascii=False, indent=2))
    _prune()
    logger.info("routing model v%s: top-1 %.3f, top-3 %.3f", version, top1, top3)
    return figures


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _path(version: int, suffix: str) -> Path:
    return model_dir() / f"routing-v{version}.{suffix}"


def _prune() -> None:
    for version in _versions()[: -settings.ROUTING_KEEP]:
        for suffix in ("joblib", "json"):
            _path(version, suffix).unlink(missing_ok=True)


def figures() -> ModelFigures | None:
    """The current model's figures; None without a model."""
    for version in reversed(_versions()):
        path = _path(version, "json")
        if path.exists():
            return ModelFigures(**json.loads(path.read_text()))
    return None


_loaded: dict[str, object] = {}


def _models():
    """The current models (loaded once per process and version); None without a model."""
    import joblib

    current = figures()
    if current is None:
        return None
    key = str(_path(current.version, "joblib"))
    if key not in _loaded:
        _loaded.clear()
        _loaded[key] = joblib.load(key)
    return _loaded[key]


def suggest_many(cases: Iterable[Case], n: int = 3) -> dict[int, list[Suggestion]]:
    """{case id: its top ``n`` agency suggestions, most likely first}; {} without a model. The
    cases need their category, subcategory and district (select_related)."""
    import numpy as np

    cases = list(cases)
    models = _models()
    if models is None or not cases:
        return {}
    model = models["agency"]
    probabilities = model.predict_proba(
        [
            case_text(c.category.name, c.subcategory.name, c.district.name, c.description)
            for c in cases
        ]
    )
    classes = [int(c) for c in model.classes_]
    names = dict(Agency.objects.filter(pk__in=classes).values_list("pk", "name"))
    result = {}
    for case, row in zip(cases, probabilities, strict=True):
        best = np.argsort(-row)[:n]
        result[case.pk] = [
            Suggestion(classes[i], names.get(classes[i], str(classes[i])), float(row[i]))
            for i in best
        ]
    return result


def suggest(case: Case, n: int = 3) -> list[Suggestion]:
    return suggest_many([case], n).get(case.pk, [])


@dataclass(frozen=True)
class CategoryGuess:
    category: Category
    confidence: float

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


def suggest_category(case: Case) -> CategoryGuess | None:
    """The category the model reads in the description (and its confidence); None without a
    model."""
    models = _models()
    if models is None:
        return None
    model = models["category"]
    row = model.predict_proba([category_text(case.district.name, case.description)])[0]
    best = int(row.argmax())
    category = Category.objects.filter(pk=int(model.classes_[best])).first()
    return CategoryGuess(category, float(row[best])) if category else None


def with_first_agency(cases):
    """``cases`` annotated with ``first_transferred_from``: the agency its earliest transfer
    took it from (the first dispatch), None when it was never transferred (then the first
    dispatch is its handling agency)."""
    earliest = CaseTransfer.objects.filter(case=OuterRef("pk")).order_by("at", "pk")
    return cases.annotate(first_transferred_from=Subquery(earliest.values("from_agency")[:1]))


@dataclass(frozen=True)
class Disagreement:
    case: Case
    first_agency_id: int
    first_agency_name: str
    suggestion: Suggestion


def disagreements(cases, *, since: date, confident: float, cap: int) -> list[Disagreement]:
    """The cases received since ``since`` (the newest ``cap``) whose first dispatch went to
    another agency than a confident suggestion (confidence at least ``confident``), most
    confident first. [] without a model."""
    if _models() is None:
        return []
    chosen = list(
        # From Taipei midnight of ``since``: a range on the column itself, which its index
        # serves (a ``__date`` lookup casts every row first).
        with_first_agency(
            cases.filter(received_at__gte=datetime.combine(since, clock_time.min, TAIPEI))
        )
        .select_related("category", "subcategory", "district", "handling_agency")
        .order_by("-received_at")[:cap]
    )
    suggestions = suggest_many(chosen, n=1)
    found = []
    for case in chosen:
        first = case.first_transferred_from or case.handling_agency_id
        top = suggestions[case.pk][0]
        if top.confidence >= confident and top.agency_id != first:
            found.append((case, first, top))
    names = dict(
        Agency.objects.filter(pk__in={first for _c, first, _t in found}).values_list("pk", "name")
    )
    found = [Disagreement(case, first, names[first], top) for case, first, top in found]
    found.sort(key=lambda d: (-d.suggestion.confidence, d.case.case_number))
    return found
