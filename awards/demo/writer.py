"""Writes the planned demo awards with their history (registered by the agency; confirmed
or returned by the reviewer), leaving alone an award whose natural key is already there."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from awards.choices import AwardState
from awards.demo.plans import build
from awards.models import Award
from tainan_rdec.models import Agency, User
from tainan_rdec.workdays import TAIPEI


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), TAIPEI)


@transaction.atomic
def seed(stdout=None, *, today: date | None = None) -> int:
    """Write the demo awards not yet there; returns how many were written."""
    today = today or timezone.localdate()
    agencies = {a.code: a for a in Agency.objects.all()}
    rows = build(today, agencies)
    years = {row["roc_year"] for row in rows}
    existing = set(
        Award.objects.filter(roc_year__in=years).values_list(
            "agency__code", "roc_year", "name", "awarding_body"
        )
    )
    rows = [
        row
        for row in rows
        if (row["agency"], row["roc_year"], row["name"], row["awarding_body"]) not in existing
    ]
    if not rows:
        if stdout:
            stdout.write("  示範獎項已存在，略過")
        return 0
    users = User.objects.in_bulk(["pw_staff", "wr_staff", "reviewer"], field_name="username")
    created = write_awards(
        rows,
        agencies,
        filers={"B06": users.get("pw_staff"), "B07": users.get("wr_staff")},
        reviewer=users.get("reviewer"),
        now=timezone.now(),
        note="示範資料",
    )
    if stdout:
        confirmed = sum(1 for a in created if a.state == AwardState.CONFIRMED)
        stdout.write(f"  示範獎項 {len(created)} 項（已確認 {confirmed} 項）")
    return len(created)


def write_awards(
    rows: list[dict],
    agencies: dict[str, Agency],
    *,
    filers: dict,
    reviewer: User | None,
    now: datetime,
    registered_until: datetime | None = None,
    note: str = "",
) -> list[Award]:
    """Write the awards of ``rows`` (``plan_awards``' field dicts) as the services would have
    left them, with their history; returns them.

    Each is registered by its agency's filer (``filers`` by agency code; none when missing) at
    10:00 ``registration_lag`` days after the award date, no later than ``registered_until``
    (``now`` by default), and unless it still waits, reviewed by ``reviewer`` ``review_lag`` days
    after that, no later than ``now``."""
    awards, steps = [], []  # steps: per award, [(state, at, user, reason)]
    for row in rows:
        registered_at = min(
            _moment(row["award_date"] + timedelta(days=row["registration_lag"]), 10),
            registered_until or now,
        )
        reviewed_at = None
        if row["state"] != AwardState.REGISTERED:
            reviewed_at = min(registered_at + timedelta(days=row["review_lag"]), now)
        filer = filers.get(row["agency"])
        awards.append(
            Award(
                agency=agencies[row["agency"]],
                roc_year=row["roc_year"],
                award_date=row["award_date"],
                name=row["name"],
                awarding_body=row["awarding_body"],
                award_class=row["award_class"],
                is_top=row["is_top"],
                note=note,
                state=row["state"],
                registered_by=filer,
                registered_at=registered_at,
                reviewed_by=reviewer if reviewed_at else None,
                reviewed_at=reviewed_at,
                return_reason=row["return_reason"],
            )
        )
        history = [(AwardState.REGISTERED, registered_at, filer, "")]
        if reviewed_at:
            history.append((row["state"], reviewed_at, reviewer, row["return_reason"]))
        steps.append(history)
    created = Award.objects.bulk_create(awards, batch_size=1000)
    _write_history(created, steps)
    return created


def _write_history(awards: list[Award], steps: list[list[tuple]]) -> None:
    """One history row per step (registered, then confirmed or returned), dated when it
    happened, as if each had gone through the services."""
    Historical = Award.history.model
    names = [f.attname for f in Award._meta.concrete_fields if f.name != "updated_at"]
    records = []
    for award, history in zip(awards, steps, strict=True):
        values = {name: getattr(award, name) for name in names}
        values["evidence_file"] = award.evidence_file.name or ""
        for i, (state, at, user, reason) in enumerate(history):
            records.append(
                Historical(
                    **{
                        **values,
                        "state": state,
                        "return_reason": reason,
                        "reviewed_at": at if i else None,
                        "reviewed_by_id": user.pk if i and user else None,
                    },
                    history_date=at,
                    history_type="+" if i == 0 else "~",
                    history_user=user,
                )
            )
    Historical.objects.bulk_create(records, batch_size=500)
