"""Load test: the month-end rush (`make load`; issue 8, "Load and faults").

    make load                                                  # 200 filers, 4 gunicorn workers
    .venv/bin/python -m tests.perf.load_month_end --users 50 --workers 2 --ramp 10

Bounded and on loopback only. It

1. creates (if missing) and migrates a PostgreSQL database of its own, ``tainan_rdec_load`` on
   ``--postgres`` (default ``postgres://postgres@127.0.0.1:5432``);
2. prepares ``--users`` bureau managers (局處主管, who may submit), spread over the city's bureaus
   and district offices, each with a listed project of its own whose report for last month is
   due this month, and the accepted reports of the months before; a report left by an earlier
   run is deleted, so every run files afresh;
3. collects the static files and starts gunicorn (``--workers`` sync workers) on a free port of
   127.0.0.1 with the production settings (``DJANGO_ENV=production``, as behind the TLS proxy:
   the client sends ``X-Forwarded-Proto: https``);
4. lets every filer, all at once (or spread over ``--ramp`` seconds), do what a filer does:
   open the login page, log in (POST with the CSRF token), open the month's report form, save a
   draft, submit it (one in five is behind schedule and writes 落後原因 and 解決對策), and open
   the submitted report;
5. prints, per step, the requests, errors, and p50 / p95 / max latency as the client measured
   it (queueing in gunicorn's backlog included), checks in the database that every report was
   submitted, stops gunicorn by its PID, and exits non-zero on any error.

No dependency beyond the portal's: the client is ``http.client`` in one thread per filer.
Figures depend on the machine and on what else runs on it: the load average is printed.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from tainan_rdec.months import add_months

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "tainan_rdec_load"
PASSWORD = "load-test-pass-2024"
USERNAME = "load-filer-{:03d}"
CONTROL_NUMBER = "LOAD-{:03d}"
STEPS = ["login page", "log in", "open form", "save draft", "reopen form", "submit", "view report"]
BEHIND_POINTS = Decimal(8)  # one filer in five is this far behind plan, month after month
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


# -- the database and its data -----------------------------------------------------------------


def ensure_database(postgres: str) -> str:
    """Create the load database if it is missing; returns its URL."""
    import psycopg

    parts = urlsplit(postgres)
    with psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    return f"{postgres.rstrip('/')}/{DATABASE}"


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "tainan_rdec.settings"
    os.environ.pop("REDIS_URL", None)  # data preparation runs nothing in the background
    import django

    django.setup()


def last_month(today: date) -> date:
    return date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)


@dataclass
class Filer:
    n: int
    username: str
    project_pk: int
    period: date
    behind: bool
    planned_percent: Decimal
    allocated: int
    steps: list = field(default_factory=list)  # (step, seconds, error or "")


def behind(n: int) -> bool:
    return n % 5 == 0


def prepare(users: int, today: date) -> list[Filer]:
    """The managers, their projects and earlier reports (idempotent); returns the filers."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from projects import services
    from projects.choices import ReportState
    from projects.models import MonthlyReport, Project
    from tainan_rdec.choices import AgencyKind, Role
    from tainan_rdec.models import Agency, User
    from tests.projects.factories import filed_report, make_project

    call_command("migrate", verbosity=0)
    agencies = list(
        Agency.objects.filter(kind__in=[AgencyKind.BUREAU, AgencyKind.DISTRICT_OFFICE])
        .exclude(code="B26")  # 研考會 itself files nothing
        .order_by("code")
    )
    period = last_month(today)
    start = add_months(period, -6)
    password = make_password(PASSWORD)  # one hash for all: hashing 200 is minutes of CPU
    filers = []
    for n in range(1, users + 1):
        agency = agencies[(n - 1) % len(agencies)]
        user, _ = User.objects.update_or_create(
            username=USERNAME.format(n),
            defaults={
                "role": Role.BUREAU_MANAGER,
                "agency": agency,
                "email": f"load{n:03d}@tainan.gov.tw",
                "password": password,
                "is_active": True,
            },
        )
        project = Project.objects.filter(control_number=CONTROL_NUMBER.format(n)).first()
        if project is None:
            project = make_project(
                agency,
                control_number=CONTROL_NUMBER.format(n),
                name=f"壓力測試第{n}號工程",
                start=start,
                end=add_months(period, 12),
            )
            month = start
            while month < period:
                planned = services.planned_for(project, month)[1]
                actual = max(planned - BEHIND_POINTS, Decimal(0)) if behind(n) else planned
                filed_report(project, month, actual, state=ReportState.ACCEPTED)
                month = add_months(month, 1)
        MonthlyReport.objects.filter(project=project, period=period).delete()
        _baseline, planned, allocated = services.planned_for(project, period)
        filers.append(Filer(n, user.username, project.pk, period, behind(n), planned, allocated))
    return filers


def submitted_count(filers: list[Filer]) -> int:
    from projects.choices import ReportState
    from projects.models import MonthlyReport

    return MonthlyReport.objects.filter(
        project_id__in=[f.project_pk for f in filers],
        period=filers[0].period,
        state=ReportState.SUBMITTED,
    ).count()


# -- gunicorn ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(database_url: str, static_root: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DEBUG")}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        # Production requires the public address for e-mail links (none are followed here).
        PORTAL_BASE_URL="https://rdec-portal.tainan.gov.tw",
        DATABASE_URL=database_url,
        STATIC_ROOT=str(static_root),
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="tainan_rdec.settings",
    )
    return env


# Each request as gunicorn saw it: method, path, status, Location and the time in the worker
# (microseconds, from the request read to the response written: no backlog wait).
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %({location}o)s %(D)s"


def start_gunicorn(
    env: dict, port: int, workers: int, log_path: Path, access_path: Path
) -> subprocess.Popen:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "tainan_rdec.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--timeout",
                "120",
                "--backlog",
                "2048",
                "--access-logfile",
                str(access_path),
                "--access-logformat",
                ACCESS_FORMAT,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: see {log_path}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
            if conn.getresponse().status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    stop(process)
    raise RuntimeError(f"gunicorn did not answer /healthz within 60 s: see {log_path}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- the client --------------------------------------------------------------------------------


class Browser:
    """One filer's cookies, over a new connection per request (gunicorn's sync workers close
    each connection after the response)."""

    def __init__(self, port: int, timeout: float):
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"https://127.0.0.1{path}"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers.get("Location", ""), content


class StepFailed(Exception):
    pass


def csrf_token(content: bytes) -> str:
    found = CSRF_INPUT.search(content)
    if not found:
        raise ValueError("no CSRF token on the page")
    return found.group(1).decode()


def file_report(filer: Filer, port: int, timeout: float, barrier, delay: float) -> None:
    browser = Browser(port, timeout)
    form_path = f"/projects/{filer.project_pk}/reports/{filer.period.year}/{filer.period.month}/"
    barrier.wait()
    time.sleep(delay)
    state = {}

    def step(name, method, path, expect_status, expect_location=None, form=None):
        started = time.perf_counter()
        error = ""
        try:
            status, location, content = browser.request(method, path, form)
            if status != expect_status:
                error = f"HTTP {status}"
            elif expect_location is not None and not re.fullmatch(expect_location, location):
                error = f"redirected to {location or '(nothing)'}"
        except Exception as exc:  # a measurement: every failure is counted, none stops the run
            error = f"{type(exc).__name__}: {exc}"
            content, location = b"", ""
        filer.steps.append((name, time.perf_counter() - started, error))
        if error:
            raise StepFailed(error)
        state["content"], state["location"] = content, location

    def figures(action):
        planned = filer.planned_percent
        actual = planned - BEHIND_POINTS if filer.behind else planned + Decimal("0.5")
        data = {
            "csrfmiddlewaretoken": csrf_token(state["content"]),
            "actual_percent": str(max(actual, Decimal(0))),
            "allocated_to_date": f"{filer.allocated:,}",
            "paid": f"{filer.allocated * 6 // 10:,}",
            "payable_unpaid": f"{filer.allocated // 10:,}",
            "savings": "0",
            "progress_text": "本月完成主體結構第三層版模及鋼筋組立，查驗合格。",
            "lag_reasons": "",
            "remedies": "",
            "help_needed": "",
            "decrease_explanation": "",
            "action": action,
        }
        if filer.behind:
            data["lag_reasons"] = "用地取得延宕，地上物拆遷尚未完成。"
            data["remedies"] = "協調地政局加速辦理，並請廠商增加工班趕工。"
        return data

    try:
        step("login page", "GET", "/accounts/login/", 200)
        step(
            "log in",
            "POST",
            "/accounts/login/",
            302,
            r"/",
            {
                "csrfmiddlewaretoken": csrf_token(state["content"]),
                "username": filer.username,
                "password": PASSWORD,
                "next": "",
            },
        )
        step("open form", "GET", form_path, 200)
        step("save draft", "POST", form_path, 302, re.escape(form_path), figures("save"))
        step("reopen form", "GET", form_path, 200)  # after the redirect, as a browser does
        step(
            "submit",
            "POST",
            form_path,
            302,
            r"/projects/reports/\d+/",
            figures("submit"),
        )
        step("view report", "GET", state["location"], 200)
    except StepFailed:
        pass  # recorded under its step; the filer stops there
    except ValueError as exc:  # a page without the form it should have
        filer.steps.append(("(aborted)", 0.0, str(exc)))


def server_times(access_log: str) -> dict[str, list[float]]:
    """Seconds spent in a worker per step, from gunicorn's access log (both form views count
    as "open form"; a POST to the form is a save when it comes back to the form)."""
    times: dict[str, list[float]] = defaultdict(list)
    for line in access_log.splitlines():
        parts = line.split()
        if len(parts) != 5:
            continue
        method, path, _status, location, micros = parts
        if path == "/accounts/login/":
            name = "login page" if method == "GET" else "log in"
        elif re.fullmatch(r"/projects/\d+/reports/\d+/\d+/", path):
            if method == "GET":
                name = "open form"
            else:
                name = "save draft" if location.endswith(path) else "submit"
        elif re.fullmatch(r"/projects/reports/\d+/", path):
            name = "view report"
        else:
            continue
        times[name].append(int(micros) / 1e6)
    times["reopen form"] = times["open form"]
    return times


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def report(filers: list[Filer], wall: float, submitted: int, args, load_before, load_after, server):
    by_step: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    for filer in filers:
        for name, seconds, error in filer.steps:
            if error:
                errors[name].append(f"{filer.username}: {error}")
            else:
                by_step[name].append(seconds)
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    print()
    print(
        f"Month-end rush: {args.users} filers, gunicorn {args.workers} sync workers, "
        f"PostgreSQL (database {DATABASE}), ramp {args.ramp:g} s"
    )
    print(
        f"Machine: {platform.node()}, {os.cpu_count()} CPUs {cpu}, Python "
        f"{platform.python_version()}; load average before {load_before}, after {load_after}"
    )
    print()
    print(f"{'':<31}{'client (with queueing)':^27}{'server (in a worker)':^20}")
    print(
        f"{'step':<14}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
        f"{'p50 ms':>10}{'p95 ms':>10}"
    )
    all_times = []
    for name in [*STEPS, "(aborted)"]:
        times = by_step.get(name, [])
        failed = len(errors.get(name, []))
        if not times and not failed:
            continue
        all_times += times
        if times:
            p50, p95, worst = (
                statistics.median(times) * 1000,
                percentile(times, 95) * 1000,
                max(times) * 1000,
            )
            in_worker = server.get(name) or [0.0]
            print(
                f"{name:<14}{len(times) + failed:>9}{failed:>8}{p50:>9.0f}{p95:>9.0f}{worst:>9.0f}"
                f"{statistics.median(in_worker) * 1000:>10.0f}"
                f"{percentile(in_worker, 95) * 1000:>10.0f}"
            )
        else:
            print(f"{name:<14}{failed:>9}{failed:>8}{'-':>9}{'-':>9}{'-':>9}")
    total_errors = sum(len(v) for v in errors.values())
    print(
        f"{'all':<14}{len(all_times) + total_errors:>9}{total_errors:>8}"
        f"{statistics.median(all_times) * 1000 if all_times else 0:>9.0f}"
        f"{percentile(all_times, 95) * 1000 if all_times else 0:>9.0f}"
        f"{max(all_times) * 1000 if all_times else 0:>9.0f}"
    )
    print()
    print(
        f"Wall time {wall:.1f} s, {len(all_times) / wall:.1f} requests/s; "
        f"reports submitted {submitted}/{len(filers)}"
    )
    for name, messages in errors.items():
        print(f"errors in {name}: {len(messages)}, e.g. {messages[:3]}")
    return total_errors


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--ramp", type=float, default=0.0, help="seconds to spread the starts")
    parser.add_argument("--timeout", type=float, default=180.0, help="per request, seconds")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("LOAD_POSTGRES", "postgres://postgres@127.0.0.1:5432"),
        help="server URL without a database name",
    )
    args = parser.parse_args(argv)

    database_url = ensure_database(args.postgres)
    setup_django(database_url)
    from django.utils import timezone

    started = time.monotonic()
    filers = prepare(args.users, timezone.localdate())
    print(f"Prepared {len(filers)} filers in {time.monotonic() - started:.1f} s")

    with tempfile.TemporaryDirectory(prefix="tainan-load-") as scratch:
        scratch = Path(scratch)
        port = free_port()
        log_path = scratch / "gunicorn.log"
        access_path = scratch / "access.log"
        process = start_gunicorn(
            server_env(database_url, scratch / "static"), port, args.workers, log_path, access_path
        )
        try:
            barrier = threading.Barrier(len(filers))
            threads = [
                threading.Thread(
                    target=file_report,
                    args=(f, port, args.timeout, barrier, args.ramp * i / len(filers)),
                    daemon=True,
                )
                for i, f in enumerate(filers)
            ]
            load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
            for thread in threads:
                thread.start()
            began = time.perf_counter()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - began
            load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
        finally:
            stop(process)
            server_log = log_path.read_text()
            server = server_times(access_path.read_text())
        if "Traceback" in server_log or "ERROR" in server_log:
            print("gunicorn log:\n" + server_log[-5000:])

    errors = report(filers, wall, submitted_count(filers), args, load_before, load_after, server)
    missing = len(filers) - submitted_count(filers)
    return 1 if errors or missing else 0


if __name__ == "__main__":
    sys.exit(main())
