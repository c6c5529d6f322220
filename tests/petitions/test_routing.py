"""派工建議 (petitions/routing.py): a routing model trained on the city's own closed cases — here
the demo generator's 3,000 cases over five years, whose descriptions vary (36 phrasings a
category) — measured on a held-out month, stored in versions, and shown on the case page and the
reviewers' list of first dispatches that disagree with a confident suggestion."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pytest
import time_machine

from petitions import demo, routing
from petitions.choices import CaseStatus
from petitions.demo import catalogue
from petitions.models import Case, CaseTransfer, Category
from petitions.tasks import train_routing_model
from tainan_rdec.models import Agency
from tainan_rdec.workdays import TAIPEI

pytestmark = pytest.mark.django_db

N = 3_000
TODAY = date(2025, 6, 30)
AFTER = datetime(2025, 7, 1, 9, 0, tzinfo=TAIPEI)


@pytest.fixture
def generated(open1999, city_agencies):
    assert demo.generate_cases(N, today=TODAY) == N


@pytest.fixture
def trained(generated):
    return routing.train()


def _closed():
    return Case.objects.filter(status=CaseStatus.CLOSED)


def test_every_category_is_said_at_least_thirty_ways():
    for category in catalogue.COMPLAINTS:
        said = {
            catalogue.describe(category, "子類", "某區某路1號前", "某路", pick)
            for pick in range(5_000)
        }
        assert len(said) >= 30, category


def test_the_generated_cases_vary_their_words(generated):
    by_category: dict[str, set[str]] = {}
    for name, description in Case.objects.values_list("category__name", "description"):
        by_category.setdefault(name, set()).add(description.split("，")[0][-6:])
    common = [
        name
        for name, _n in Counter(Case.objects.values_list("category__name", flat=True)).most_common(
            4
        )
    ]
    for name in common:
        assert len(by_category[name]) >= 20, name


def test_without_a_model_nothing_is_suggested(generated, client_as, cast):
    case = Case.objects.select_related("category", "subcategory", "district").first()
    assert routing.figures() is None
    assert routing.suggest(case) == []
    assert routing.suggest_category(case) is None
    page = client_as("reviewer").get(f"/petitions/cases/{case.case_number}/").content.decode()
    assert 'id="routing"' not in page
    assert "信心" not in page
    routing_page = client_as("reviewer").get("/petitions/routing/").content.decode()
    assert "尚未訓練派工建議模型" in routing_page


def test_training_learns_from_earlier_months_and_measures_on_the_last(trained):
    closed = list(_closed().values_list("received_at", "handling_agency_id"))
    last_month = max(f"{at.astimezone(TAIPEI):%Y-%m}" for at, _a in closed)
    held_out = [agency for at, agency in closed if f"{at.astimezone(TAIPEI):%Y-%m}" == last_month]

    assert trained.held_out_month == last_month
    assert trained.held_out_cases == len(held_out)
    assert trained.training_cases == len(closed) - len(held_out)
    # It learned something: better than always naming the month's most common agency.
    most_common_share = Counter(held_out).most_common(1)[0][1] / len(held_out)
    assert trained.top1 > most_common_share
    assert trained.top1 <= trained.top3 <= 1
    assert 0 < trained.category_top1 <= 1
    assert trained.training_seconds > 0 and trained.peak_memory_mb > 0
    assert 0 < trained.latency_p50_ms <= trained.latency_p95_ms
    learned_from = {a for at, a in closed if f"{at.astimezone(TAIPEI):%Y-%m}" != last_month}
    assert trained.agencies == len(learned_from)


def test_each_training_is_a_new_version_and_old_ones_are_pruned(trained, settings):
    folder = routing.model_dir()
    assert {p.name for p in folder.iterdir()} == {"routing-v1.joblib", "routing-v1.json"}
    settings.ROUTING_KEEP = 1
    second = routing.train()
    assert second.version == 2
    assert routing.figures().version == 2
    assert {p.name for p in folder.iterdir()} == {"routing-v2.joblib", "routing-v2.json"}


def test_the_case_page_shows_three_suggestions_with_their_confidence(trained, client_as, cast):
    case = (
        _closed()
        .select_related("category", "subcategory", "district", "handling_agency")
        .order_by("-received_at")
        .first()
    )
    suggestions = routing.suggest(case)
    assert len(suggestions) == 3
    confidences = [s.confidence for s in suggestions]
    assert confidences == sorted(confidences, reverse=True)
    assert 0 < sum(confidences) <= 1.0001
    assert len({s.agency_id for s in suggestions}) == 3
    names = dict(Agency.objects.values_list("pk", "name"))
    assert all(s.agency_name == names[s.agency_id] for s in suggestions)

    page = client_as("reviewer").get(f"/petitions/cases/{case.case_number}/").content.decode()
    section = page.split('id="routing"', 1)[1].split("</section>", 1)[0]
    for suggestion in suggestions:
        assert f"{suggestion.agency_name}（信心 {suggestion.percent}%）" in section
    guess = routing.suggest_category(case)
    assert isinstance(guess.category, Category)
    assert f"由描述推估之類別：{guess.category.name}" in section


def test_first_dispatches_that_disagree_with_a_confident_suggestion_are_listed(
    trained, client_as, cast, settings
):
    settings.ROUTING_CONFIDENT = 0.05
    settings.ROUTING_DISAGREEMENT_DAYS = 40
    recent = list(
        Case.objects.filter(received_at__date__gte=date(2025, 6, 1))
        .select_related("category", "subcategory", "district")
        .order_by("received_at")[:3]
    )
    assert len(recent) == 3
    suggested = {pk: s[0].agency_id for pk, s in routing.suggest_many(recent, n=1).items()}
    elsewhere = Agency.objects.exclude(pk__in=set(suggested.values())).order_by("code")
    wrong = elsewhere.first()
    # 1: dispatched elsewhere and left there; 2: dispatched elsewhere, then transferred to the
    # suggested agency (the first dispatch still disagrees); 3: dispatched as suggested.
    first, second, third = recent
    Case.objects.filter(pk=first.pk).update(handling_agency=wrong)
    Case.objects.filter(pk=second.pk).update(handling_agency_id=suggested[second.pk])
    CaseTransfer.objects.create(
        case=second, from_agency=wrong, to_agency_id=suggested[second.pk], reason="非屬本機關權責"
    )
    Case.objects.filter(pk=third.pk).update(handling_agency_id=suggested[third.pk])
    CaseTransfer.objects.filter(case=third).delete()

    with time_machine.travel(AFTER, tick=False):
        found = routing.disagreements(
            Case.objects.all(), since=date(2025, 6, 1), confident=0.05, cap=5_000
        )
        listed = {d.case.pk: d for d in found}
        assert listed[first.pk].first_agency_id == wrong.pk
        assert listed[second.pk].first_agency_name == wrong.name
        assert third.pk not in listed
        page = client_as("reviewer").get("/petitions/routing/").content.decode()
    table = page.split('id="disagreements"', 1)[1]
    assert first.case_number in table and second.case_number in table
    assert third.case_number not in table
    assert "處理機關前三建議命中率" in page
    # The held-out month in ROC, as the users read months.
    held_out = routing.figures().held_out_start
    assert f"{held_out.year - 1911}年{held_out.month}月" in page


def test_too_few_cases_are_refused_in_chinese(open1999, city_agencies, make_case):
    make_case("2024-02-07 10:00")
    with pytest.raises(routing.NotEnoughCases, match="至少需 50 件才能訓練派工建議模型"):
        routing.train()
    assert "至少需 50 件" in train_routing_model()["refused"]
    assert routing.figures() is None


def test_an_admin_starts_a_training_from_the_page(generated, client_as, cast):
    refused = client_as("reviewer").post("/petitions/routing/train/")
    assert refused.status_code == 403
    assert routing.figures() is None
    response = client_as("admin").post("/petitions/routing/train/", follow=True)
    assert response.status_code == 200
    # Tasks run in process here: the model is there when the page comes back.
    assert routing.figures().version == 1
    assert "已排入訓練派工建議模型" in response.content.decode()
    assert "v1" in response.content.decode()


def test_the_model_is_retrained_on_the_first_of_each_month(db):
    """The migration's beat entry names the registered task, monthly, in Taipei time; running
    it again keeps what an admin changed."""
    import importlib

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    from tainan_rdec.celery import app

    migration = importlib.import_module("petitions.migrations.0017_routing_schedule")
    migration.create_schedule(apps, None)
    task = PeriodicTask.objects.get(task="petitions.tasks.train_routing_model")
    assert task.task in app.tasks and task.enabled
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_month) == ("30", "3", "1")
    assert str(crontab.timezone) == "Asia/Taipei"
    task.enabled = False
    task.save()
    migration.create_schedule(apps, None)
    assert not PeriodicTask.objects.get(task="petitions.tasks.train_routing_model").enabled
