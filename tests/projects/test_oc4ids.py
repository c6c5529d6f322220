"""The OC4IDS open-data export of listed projects (projects/oc4ids.py, views/open_data.py)."""

import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft202012Validator

from projects import oc4ids, services
from projects.choices import ControlStatus, ExecutionPhase, ReportState
from projects.models import PlanBaseline, PlannedPoint, Project
from tainan_rdec.models import District
from tainan_rdec.workdays import TAIPEI
from tests.projects.factories import filed_report, make_project

PACKAGE = "/open-data/oc4ids/projects.json"


def _one(number):
    return f"/open-data/oc4ids/projects/{number}.json"


def _get(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def _errors(package):
    validator = Draft202012Validator(
        oc4ids.load_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    return sorted(error.message for error in validator.iter_errors(package))


def _project(package, number):
    (project,) = [p for p in package["projects"] if p["id"].endswith(f"-{number}")]
    return project


@pytest.fixture
def varied_projects(agency_a, agency_b):
    """One published project in each status the export can give, with reports and districts.
    P-PLAN and P-DROP have no accepted report, so no ``metrics``."""
    make_project(agency_a, control_number="P-PLAN", phase=ExecutionPhase.TENDERING)
    building = make_project(
        agency_a, control_number="P-BUILD", phase=ExecutionPhase.CONSTRUCTION, summary="拓寬道路"
    )
    building.districts.set(District.objects.filter(name__in=["永康區", "東區"]))
    filed_report(building, date(2024, 1, 1), "7.50")
    filed_report(building, date(2024, 2, 1), "15.25", state=ReportState.SUBMITTED)
    accepting = make_project(agency_a, control_number="P-ACCEPT", phase=ExecutionPhase.ACCEPTANCE)
    filed_report(accepting, date(2024, 12, 1), 100, paid=100_000_000)
    done = make_project(
        agency_b,
        control_number="P-DONE",
        phase=ExecutionPhase.CLOSED,
        listed=False,
        control_status=ControlStatus.DELISTED,
        actual_completion=date(2024, 12, 20),
    )
    filed_report(done, date(2024, 12, 1), 100, paid=110_000_000, payable_unpaid=5_000_000)
    make_project(
        agency_b,
        control_number="P-DROP",
        phase=ExecutionPhase.PLANNING,
        listed=False,
        control_status=ControlStatus.DELISTED,
    )
    return Project.objects.all()


# -- the package as a whole -----------------------------------------------------------------


def test_package_validates_against_the_schema(client, varied_projects):
    package = _get(client, PACKAGE)

    assert _errors(package) == []
    assert {p["status"] for p in package["projects"]} == {
        "implementation",
        "completion",
        "maintenance",
        "cancelled",
    }
    assert package["version"] == "0.9"
    assert package["publisher"] == {"name": "臺南市政府研究發展考核委員會"}
    assert package["uri"] == "http://127.0.0.1:8000/open-data/oc4ids/projects.json"


def test_schema_refuses_what_the_portal_does_not_publish(client, varied_projects):
    package = _get(client, PACKAGE)
    project = _project(package, "P-BUILD")

    project["status"] = "suspended"
    project["contactPoint"] = {"name": "王小明", "email": "staff_a@example.tw"}

    errors = _errors(package)
    assert any("'suspended' is not one of" in e for e in errors)
    assert any("'contactPoint' was unexpected" in e for e in errors)


def test_package_is_json_for_download_and_caches(client, varied_projects, settings):
    settings.OC4IDS_PREFIX = "oc4ids-abc123-"

    response = client.get(PACKAGE)

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="oc4ids-abc123-projects.json"'
    assert "public" in response["Cache-Control"]
    assert "拓寬道路" in response.content.decode("utf-8")  # not \\u escapes
    one = client.get(_one("P-DONE"))
    assert one["Content-Disposition"] == 'inline; filename="oc4ids-abc123-P-DONE.json"'


def test_package_is_read_only(client, varied_projects):
    assert client.post(PACKAGE).status_code == 405
    assert client.post(_one("P-BUILD")).status_code == 405


def test_publication_policy_appears_when_configured(client, varied_projects, settings):
    assert "publicationPolicy" not in _get(client, PACKAGE)

    settings.OC4IDS_PUBLICATION_POLICY_URL = "https://rdec.tainan.gov.tw/open-data/policy"

    package = _get(client, PACKAGE)
    assert package["publicationPolicy"] == "https://rdec.tainan.gov.tw/open-data/policy"
    assert _errors(package) == []


# -- which projects ----------------------------------------------------------------------------


def test_new_and_suspended_projects_are_not_published(client, agency_a):
    make_project(agency_a, control_number="P-LISTED")
    make_project(agency_a, control_number="P-NEW", listed=False)
    make_project(
        agency_a,
        control_number="P-PAUSED",
        listed=False,
        control_status=ControlStatus.SUSPENDED,
    )

    package = _get(client, PACKAGE)

    assert [p["id"] for p in package["projects"]] == ["oc4ids-tainan-P-LISTED"]
    assert client.get(_one("P-LISTED")).status_code == 200
    assert client.get(_one("P-NEW")).status_code == 404
    assert client.get(_one("P-PAUSED")).status_code == 404
    assert client.get(_one("NO-SUCH")).status_code == 404


def test_with_nothing_published_there_is_no_package(client, agency_a):
    """An OC4IDS package holds at least one project: with none published the URL says so."""
    make_project(agency_a, control_number="P-NEW", listed=False)

    response = client.get(PACKAGE)

    assert response.status_code == 404
    assert response.json() == {"detail": "目前沒有已公開的列管案件。"}

    make_project(agency_a, control_number="P-LISTED")
    package = _get(client, PACKAGE)  # the data version moved: built again, not the 404 kept
    assert [p["id"] for p in package["projects"]] == ["oc4ids-tainan-P-LISTED"]


def test_one_project_package_holds_that_project_only(client, varied_projects):
    package = _get(client, _one("P-DONE"))

    assert [p["id"] for p in package["projects"]] == ["oc4ids-tainan-P-DONE"]
    assert package["uri"] == "http://127.0.0.1:8000/open-data/oc4ids/projects/P-DONE.json"
    assert _errors(package) == []


# -- status ------------------------------------------------------------------------------------

# The OC4IDS projectStatus codelist (0.9.4 on), in the standard's order.
OFFICIAL_STATUSES = [
    "identification",
    "preparation",
    "implementation",
    "completion",
    "maintenance",
    "decommissioning",
    "decommissioned",
    "cancelled",
]
LISTED_EXPECTED = {
    ExecutionPhase.PLANNING: "implementation",
    ExecutionPhase.TENDERING: "implementation",
    ExecutionPhase.CONSTRUCTION: "implementation",
    ExecutionPhase.STOPPED: "implementation",
    ExecutionPhase.TERMINATED: "implementation",
    ExecutionPhase.COMPLETION_REPORTED: "completion",
    ExecutionPhase.ACCEPTANCE: "completion",
    ExecutionPhase.SETTLEMENT: "completion",
    ExecutionPhase.CLOSED: "maintenance",
}
DELISTED_EXPECTED = {
    ExecutionPhase.PLANNING: "cancelled",
    ExecutionPhase.TENDERING: "cancelled",
    ExecutionPhase.CONSTRUCTION: "cancelled",
    ExecutionPhase.STOPPED: "cancelled",
    ExecutionPhase.TERMINATED: "cancelled",
    ExecutionPhase.COMPLETION_REPORTED: "maintenance",
    ExecutionPhase.ACCEPTANCE: "maintenance",
    ExecutionPhase.SETTLEMENT: "maintenance",
    ExecutionPhase.CLOSED: "maintenance",
}


def test_status_tables_cover_every_phase():
    assert set(LISTED_EXPECTED) == set(ExecutionPhase)
    assert set(DELISTED_EXPECTED) == set(ExecutionPhase)
    assert set(oc4ids.LISTED_STATUS) == set(ExecutionPhase)


@pytest.mark.parametrize(
    ("control_status", "phase", "expected"),
    [(ControlStatus.LISTED, phase, LISTED_EXPECTED[phase]) for phase in ExecutionPhase]
    + [(ControlStatus.DELISTED, phase, DELISTED_EXPECTED[phase]) for phase in ExecutionPhase],
)
def test_status_follows_control_status_and_phase(control_status, phase, expected):
    project = Project(control_status=control_status, phase=phase)

    assert oc4ids.project_status(project) == expected


def test_delisted_project_with_completion_date_is_maintenance_whatever_its_phase():
    project = Project(
        control_status=ControlStatus.DELISTED,
        phase=ExecutionPhase.CONSTRUCTION,
        actual_completion=date(2024, 6, 30),
    )

    assert oc4ids.project_status(project) == "maintenance"


def test_schema_lists_the_whole_project_status_codelist():
    schema = oc4ids.load_schema()

    assert list(oc4ids.Oc4idsStatus.values) == OFFICIAL_STATUSES
    assert schema["$defs"]["Project"]["properties"]["status"]["enum"] == OFFICIAL_STATUSES


def test_schema_refuses_retired_status_codes_and_empty_metrics(client, varied_projects):
    package = _get(client, PACKAGE)
    planning, done = _project(package, "P-PLAN"), _project(package, "P-DONE")
    planning["status"] = "planning"  # never in the codelist
    done["status"] = "completed"  # deprecated in favour of maintenance
    done["forecasts"][0]["observations"] = []
    done["metrics"] = []

    errors = _errors(package)

    assert any("'planning' is not one of" in e for e in errors)
    assert any("'completed' is not one of" in e for e in errors)
    assert sum("should be non-empty" in e for e in errors) == 2


def test_schema_refuses_an_empty_package(client, varied_projects):
    # The official package schema wants at least one project.
    package = _get(client, PACKAGE)
    package["projects"] = []

    assert _errors(package) == ["[] should be non-empty"]


# -- formats -----------------------------------------------------------------------------------


def test_the_tests_validator_checks_date_time_and_uri():
    # jsonschema checks these formats only with its format-nongpl extra installed; without it
    # every value passes and the format rules of the schema would go untested.
    assert {"date-time", "uri"} <= set(Draft202012Validator.FORMAT_CHECKER.checkers)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("publishedDate", "2024-13-45T00:00:00+08:00"),  # matches the pattern, no such date
        ("publishedDate", "2024-13-45"),
        ("uri", "https://rdec.tainan.gov.tw/open data/projects.json"),  # a space
        ("license", "https://data.gov.tw/lic<ense>"),
    ],
)
def test_schema_refuses_malformed_dates_and_uris(client, varied_projects, field, value):
    package = _get(client, PACKAGE)
    package[field] = value
    validator = Draft202012Validator(
        oc4ids.load_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )

    errors = list(validator.iter_errors(package))

    assert [e.validator for e in errors if e.validator == "format"] == ["format"]
    assert all(list(e.absolute_path) == [field] for e in errors)


def test_schema_refuses_a_malformed_date_deep_in_a_project(client, varied_projects):
    package = _get(client, PACKAGE)
    done = _project(package, "P-DONE")
    done["completion"]["endDate"] = "2024-02-30T23:59:59+08:00"

    assert _errors(package) == ["'2024-02-30T23:59:59+08:00' is not a 'date-time'"]


# -- fields ------------------------------------------------------------------------------------


def test_project_fields_map_from_the_project(client, agency_a, settings):
    settings.OC4IDS_PREFIX = "oc4ids-abc123-"
    project = make_project(
        agency_a,
        control_number="T113-0042",
        name="永康區中正路拓寬工程",
        summary="拓寬為20米道路",
        budget=380_000_000,
        start=date(2024, 3, 1),
        end=date(2025, 6, 30),
        phase=ExecutionPhase.CONSTRUCTION,
    )
    project.districts.set(District.objects.filter(name__in=["永康區", "東區"]))

    data = _get(client, _one("T113-0042"))["projects"][0]

    assert data["id"] == "oc4ids-abc123-T113-0042"
    assert data["title"] == "永康區中正路拓寬工程"
    assert data["description"] == "拓寬為20米道路"
    assert data["status"] == "implementation"
    assert data["budget"] == {"amount": {"amount": 380_000_000, "currency": "TWD"}}
    assert data["period"] == {
        "startDate": "2024-03-01T00:00:00+08:00",
        "endDate": "2025-06-30T23:59:59+08:00",
    }
    authority = {"id": "B06", "name": agency_a.name}
    assert data["publicAuthority"] == authority
    assert data["parties"] == [{**authority, "roles": ["publicAuthority"]}]
    assert sorted(loc["description"] for loc in data["locations"]) == ["東區", "永康區"]
    assert "completion" not in data


def test_updated_is_the_latest_review_when_after_the_project_edit(client, agency_a):
    project = make_project(agency_a, control_number="P-UPD")
    reviewed = datetime(2030, 1, 10, 9, 30, tzinfo=TAIPEI)
    filed_report(project, date(2024, 1, 1), 8, reviewed_at=reviewed)

    data = _get(client, _one("P-UPD"))["projects"][0]

    assert data["updated"] == "2030-01-10T09:30:00+08:00"


def test_forecasts_are_the_current_planned_curve(client, agency_a):
    project = make_project(agency_a, control_number="P-CURVE")
    replanned = [(date(2024, month, 1), Decimal(month * 5), 0) for month in range(1, 12)] + [
        (date(2024, 12, 1), Decimal(100), 0)
    ]
    services.create_baseline(project, replanned, by=None, reason="用地取得延宕")

    (forecast,) = _get(client, _one("P-CURVE"))["projects"][0]["forecasts"]

    points = PlannedPoint.objects.filter(baseline__project=project, baseline__is_current=True)
    assert [(o["id"], o["measure"]) for o in forecast["observations"]] == [
        (f"{p.month:%Y-%m}", float(p.planned_percent)) for p in points.order_by("month")
    ]
    assert forecast["observations"][1]["measure"] == 10.0  # version 2, not the linear curve
    assert forecast["observations"][1]["period"] == {
        "startDate": "2024-02-01T00:00:00+08:00",
        "endDate": "2024-02-29T23:59:59+08:00",
    }
    assert forecast["observations"][1]["unit"] == {"name": "percent"}
    assert "第2版" in forecast["description"]


def test_metrics_carry_accepted_reports_only(client, agency_a):
    project = make_project(agency_a, control_number="P-METRIC")
    filed_report(project, date(2024, 1, 1), "8.25")
    filed_report(project, date(2024, 2, 1), "16.50")
    filed_report(project, date(2024, 3, 1), "20.00", state=ReportState.SUBMITTED)
    filed_report(project, date(2024, 4, 1), "30.00", state=ReportState.RETURNED)
    filed_report(project, date(2024, 5, 1), "40.00", state=ReportState.DRAFT)

    data = _get(client, _one("P-METRIC"))["projects"][0]

    (metric,) = data["metrics"]
    assert [(o["id"], o["measure"]) for o in metric["observations"]] == [
        ("2024-01", 8.25),
        ("2024-02", 16.5),
    ]
    # Planned and actual are one metric: the same id pairs them, the metricID codelist's.
    assert metric["id"] == data["forecasts"][0]["id"] == "physicalProgress"


def test_listed_project_without_an_accepted_report_publishes_no_metrics(client, agency_a):
    project = make_project(agency_a, control_number="P-NOREPORT")
    filed_report(project, date(2024, 1, 1), "8.25", state=ReportState.SUBMITTED)
    filed_report(project, date(2024, 2, 1), "16.50", state=ReportState.RETURNED)
    filed_report(project, date(2024, 3, 1), "20.00", state=ReportState.DRAFT)

    package = _get(client, _one("P-NOREPORT"))
    data = package["projects"][0]

    assert "metrics" not in data
    assert len(data["forecasts"]) == 1
    assert _errors(package) == []


@pytest.mark.parametrize("missing", ["no current baseline", "baseline without points"])
def test_project_without_a_planned_curve_publishes_no_forecasts(client, agency_a, missing):
    project = make_project(agency_a, control_number="P-NOCURVE")
    filed_report(project, date(2024, 1, 1), "8.25")
    if missing == "no current baseline":
        PlanBaseline.objects.filter(project=project).update(is_current=False)
    else:
        PlannedPoint.objects.filter(baseline__project=project).delete()

    package = _get(client, _one("P-NOCURVE"))
    data = package["projects"][0]

    assert "forecasts" not in data
    assert [o["id"] for o in data["metrics"][0]["observations"]] == ["2024-01"]
    assert _errors(package) == []


def test_maintenance_project_gives_completion_date_and_final_value(client, varied_projects):
    project = varied_projects.get(control_number="P-DONE")
    filed_report(project, date(2024, 11, 1), 95, paid=90_000_000, payable_unpaid=1)

    data = _get(client, _one("P-DONE"))["projects"][0]

    assert data["status"] == "maintenance"
    assert data["completion"]["endDate"] == "2024-12-20T23:59:59+08:00"
    # The latest accepted report (December): 實支數 + 應付未付數.
    assert data["completion"]["finalValue"] == {"amount": 115_000_000, "currency": "TWD"}


def test_completion_block_is_given_for_maintenance_only(client, agency_a):
    for control_status in (ControlStatus.LISTED, ControlStatus.DELISTED):
        for n, phase in enumerate(ExecutionPhase):
            project = make_project(
                agency_a,
                control_number=f"P-{control_status[0]}{n}",
                listed=False,
                control_status=control_status,
                phase=phase,
            )
            filed_report(project, date(2024, 1, 1), 10, paid=1_000_000)

    package = _get(client, PACKAGE)

    with_completion = sorted(p["id"] for p in package["projects"] if "completion" in p)
    maintenance = sorted(p["id"] for p in package["projects"] if p["status"] == "maintenance")
    assert len(package["projects"]) == 2 * len(ExecutionPhase)
    assert len(maintenance) == 5  # 列管中 已結案; 解除列管 已申報竣工 or later
    assert with_completion == maintenance
    assert _errors(package) == []


def test_maintenance_project_with_no_date_nor_report_still_gives_completion(client, agency_a):
    make_project(
        agency_a,
        control_number="P-BARE",
        listed=False,
        control_status=ControlStatus.DELISTED,
        phase=ExecutionPhase.SETTLEMENT,
    )

    package = _get(client, _one("P-BARE"))
    data = package["projects"][0]

    assert data["status"] == "maintenance"
    assert data["completion"] == {"endDateDetails": "已完工，尚未登錄實際完工日期。"}
    assert "metrics" not in data
    assert _errors(package) == []


# -- personal data -----------------------------------------------------------------------------


def test_no_personal_data_is_published(client, cast, agency_a):
    staff, reviewer = cast["staff_a"], cast["reviewer"]
    agency_a.head_contact_name = "林局長秘書"
    agency_a.head_contact_email = "head@pwb.tainan.gov.tw"
    agency_a.save()
    project = make_project(agency_a, control_number="P-PRIVATE", by=staff, created_by=staff)
    for period, state in [
        (date(2024, 1, 1), ReportState.ACCEPTED),
        (date(2024, 2, 1), ReportState.DRAFT),
    ]:
        filed_report(
            project,
            period,
            10,
            state=state,
            created_by=staff,
            submitted_by=staff,
            reviewed_by=reviewer,
            progress_text="陳先生表示下週進場",
            reviewer_comment="請洽承辦人張小姐",
        )

    body = client.get(PACKAGE).content.decode("utf-8")

    assert "P-PRIVATE" in body
    for secret in [
        staff.username,
        staff.email,
        reviewer.username,
        reviewer.email,
        "林局長秘書",
        "head@pwb.tainan.gov.tw",
        "陳先生",
        "張小姐",
    ]:
        assert secret not in body


# -- queries -----------------------------------------------------------------------------------


def _queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(PACKAGE)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(json.loads(response.content)["projects"])


def test_query_count_does_not_grow_with_projects(client, agency_a):
    districts = District.objects.all()[:2]

    def add(n):
        project = make_project(agency_a, control_number=f"P-Q{n}")
        project.districts.set(districts)
        filed_report(project, date(2024, 1, 1), 8)
        filed_report(project, date(2024, 2, 1), 16)

    add(0)
    one, count = _queries(client)
    assert count == 1
    for n in range(1, 5):
        add(n)
    five, count = _queries(client)

    assert count == 5
    assert five == one


def test_project_list_links_to_the_package(client_as):
    response = client_as("staff_a").get("/projects/")

    assert response.status_code == 200
    assert f'href="{PACKAGE}"' in response.content.decode("utf-8")
    assert "開放資料（OC4IDS）" in response.content.decode("utf-8")


def test_the_built_package_is_kept_until_a_figure_it_carries_changes(client, agency_a, cast):
    project = make_project(agency_a, control_number="P-CACHE")
    filed_report(project, date(2024, 1, 1), "8.25")
    submitted = filed_report(project, date(2024, 2, 1), "16.50", state=ReportState.SUBMITTED)
    first = _project(_get(client, PACKAGE), "P-CACHE")
    assert [o["id"] for o in first["metrics"][0]["observations"]] == ["2024-01"]

    kept, _count = _queries(client)
    assert kept == 4  # the data version's aggregates, and the package from the cache

    services.accept_report(submitted, by=cast["reviewer"])
    data = _project(_get(client, PACKAGE), "P-CACHE")
    assert [o["id"] for o in data["metrics"][0]["observations"]] == ["2024-01", "2024-02"]
