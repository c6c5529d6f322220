"""檢核點 while drafting: add, edit, reorder and delete, each planned inside the planned period."""

from __future__ import annotations

from datetime import date

import pytest

from projects import services
from projects.models import Milestone
from tests.permission_helpers import stored_state
from tests.projects.factories import draft_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(cast):
    """A draft of 工務局 planned 113.1.1–113.12.31, without checkpoints."""
    return draft_project(cast["staff_a"], checkpoint=False)


def url(project, suffix=""):
    return f"/projects/{project.pk}/checkpoints/{suffix}"


def names(project):
    return list(Milestone.objects.filter(project=project).values_list("name", flat=True))


def add(client, project, name, day, note=""):
    return client.post(url(project), {"name": name, "planned_date": day, "note": note})


def test_staff_add_checkpoints_in_the_order_they_enter_them(client_as, draft):
    client = client_as("staff_a")
    response = add(client, draft, "細部設計完成", "113.5.31", "含預算書")
    assert response.status_code == 302
    add(client, draft, "工程決標", "113/3/15")  # earlier date, entered later: listed second

    assert names(draft) == ["細部設計完成", "工程決標"]
    first = Milestone.objects.get(project=draft, name="細部設計完成")
    assert (first.planned_date, first.note, first.position) == (date(2024, 5, 31), "含預算書", 1)
    page = client.get(url(draft)).content.decode()
    assert "113.5.31" in page and "113.3.15" in page


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("112.12.31", "預定完成日期須在預定期程（113.1.1至113.12.31）內。"),
        ("114.1.1", "預定完成日期須在預定期程（113.1.1至113.12.31）內。"),
        ("", "請輸入預定完成日期。"),
        ("113.2.30", None),  # the ROC parser's own message
    ],
    ids=["before", "after", "blank", "no-such-day"],
)
def test_a_checkpoint_date_outside_the_planned_period_is_refused(client_as, draft, day, message):
    client = client_as("staff_a")
    before = stored_state()
    response = add(client, draft, "工程決標", day)

    assert response.status_code == 200
    [error] = response.context["form"].errors["planned_date"]
    if message is not None:
        assert error == message
    assert error in response.content.decode()
    assert stored_state() == before


def test_a_checkpoint_needs_a_name_of_its_own(client_as, draft):
    client = client_as("staff_a")
    add(client, draft, "工程決標", "113.3.15")
    response = add(client, draft, "工程決標", "113.4.15")
    assert response.context["form"].errors["name"] == ["本案已有名為「工程決標」的檢核點。"]
    response = add(client, draft, "", "113.4.15")
    assert response.context["form"].errors["name"] == ["請填寫檢核點名稱。"]
    assert names(draft) == ["工程決標"]


def test_a_checkpoint_is_edited_with_the_same_rules(client_as, draft):
    client = client_as("manager_a")
    add(client, draft, "工程決標", "113.3.15")
    checkpoint = Milestone.objects.get(project=draft)

    refused = client.post(
        url(draft, f"{checkpoint.pk}/"), {"name": "工程決標", "planned_date": "114.3.15"}
    )
    assert refused.context["form"].errors["planned_date"] == [
        "預定完成日期須在預定期程（113.1.1至113.12.31）內。"
    ]
    done = client.post(
        url(draft, f"{checkpoint.pk}/"), {"name": "工程決標及開工", "planned_date": "113.4.1"}
    )
    assert done.status_code == 302
    checkpoint.refresh_from_db()
    assert (checkpoint.name, checkpoint.planned_date) == ("工程決標及開工", date(2024, 4, 1))


def test_checkpoints_move_up_and_down(client_as, draft):
    client = client_as("staff_a")
    for name, day in (("設計", "113.2.1"), ("決標", "113.3.1"), ("開工", "113.4.1")):
        add(client, draft, name, day)
    last = Milestone.objects.get(project=draft, name="開工")
    first = Milestone.objects.get(project=draft, name="設計")

    client.post(url(draft, f"{last.pk}/move/"), {"direction": "up"})
    assert names(draft) == ["設計", "開工", "決標"]
    client.post(url(draft, f"{first.pk}/move/"), {"direction": "down"})
    assert names(draft) == ["開工", "設計", "決標"]
    client.post(url(draft, f"{first.pk}/move/"), {"direction": "sideways"})
    assert names(draft) == ["開工", "設計", "決標"]


def test_moving_past_the_end_changes_nothing(client_as, draft):
    client = client_as("staff_a")
    add(client, draft, "設計", "113.2.1")
    only = Milestone.objects.get(project=draft)
    client.post(url(draft, f"{only.pk}/move/"), {"direction": "up"})
    assert Milestone.objects.get(project=draft).position == 1


def test_a_checkpoint_is_deleted_and_the_rest_renumbered(client_as, draft):
    client = client_as("staff_a")
    add(client, draft, "設計", "113.2.1")
    add(client, draft, "決標", "113.3.1")
    first = Milestone.objects.get(project=draft, name="設計")

    assert client.post(url(draft, f"{first.pk}/delete/")).status_code == 302
    assert list(Milestone.objects.filter(project=draft).values_list("name", "position")) == [
        ("決標", 1)
    ]


def test_a_deleted_last_checkpoint_blocks_listing_again(client_as, cast):
    project = draft_project(cast["staff_a"])
    assert services.listing_problems(project) == []
    checkpoint = Milestone.objects.get(project=project)
    client_as("staff_a").post(url(project, f"{checkpoint.pk}/delete/"))
    assert services.listing_problems(project) == ["至少需要一個檢核點。"]


@pytest.mark.parametrize(("who", "status"), [("staff_b", 404), ("reviewer", 403)])
def test_others_do_not_touch_the_checkpoints(client_as, draft, who, status):
    client = client_as("staff_a")
    add(client, draft, "設計", "113.2.1")
    checkpoint = Milestone.objects.get(project=draft)
    client = client_as(who)
    before = stored_state()
    assert client.get(url(draft)).status_code == status
    assert add(client, draft, "偷加", "113.3.1").status_code == status
    assert client.post(url(draft, f"{checkpoint.pk}/delete/")).status_code == status
    assert stored_state() == before


def test_a_checkpoint_of_another_project_is_not_found_under_this_one(client_as, cast, draft):
    other = draft_project(cast["staff_a"], name="另一案")
    checkpoint = Milestone.objects.get(project=other)
    client = client_as("staff_a")
    assert client.post(url(draft, f"{checkpoint.pk}/delete/")).status_code == 404
    assert Milestone.objects.filter(pk=checkpoint.pk).exists()


def test_listing_needs_every_checkpoint_inside_the_planned_period(cast):
    project = draft_project(cast["staff_a"])
    # Checked when added; a period shortened afterwards leaves the checkpoint outside it.
    Milestone.objects.filter(project=project).update(planned_date=date(2025, 3, 1))
    assert services.listing_problems(project) == [
        "檢核點「細部設計完成」的預定完成日期（114.3.1）不在預定期程（113.1.1至113.12.31）內。"
    ]
