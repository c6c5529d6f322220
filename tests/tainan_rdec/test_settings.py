import ast
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from tainan_rdec.env import check_public_url, env_bool, env_int, env_list, parse_database_url
from tests.conftest import subprocess_env

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_URL = "https://rdec-portal.tainan.gov.tw"


def _manage(*args, **env):
    # A fresh interpreter: production settings are decided at import time.
    clean = subprocess_env(**env)
    for name in {"SECRET_KEY", "ALLOWED_HOSTS", "PORTAL_BASE_URL"} - set(env):
        clean.pop(name, None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_check_deploy_prints_no_issues():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="rdec-portal.tainan.gov.tw",
        PORTAL_BASE_URL=PUBLIC_URL,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def _production(**env):
    """A production start with every required value good but those ``env`` replaces."""
    good = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "rdec-portal.tainan.gov.tw",
        "PORTAL_BASE_URL": PUBLIC_URL,
    }
    good.update(env)
    return _manage("check", **{k: v for k, v in good.items() if v is not None})


def _example_values(name):
    """The values .env.example gives ``name``, on set and commented-out lines alike."""
    values = []
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        match = re.match(rf"#?\s*{name}=(.*)$", line.strip())
        if match:
            values.append(match.group(1).strip())
    return values


def test_production_starts_with_good_values():
    result = _production()
    assert result.returncode == 0, result.stderr


def test_production_refuses_the_secret_key_of_env_example():
    keys = [key for key in _example_values("SECRET_KEY") if key]
    assert keys, ".env.example shows a SECRET_KEY placeholder"

    for key in keys:
        result = _production(SECRET_KEY=key)
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr
        assert "SECRET_KEY is the example value from .env.example" in result.stderr


def test_production_refuses_the_development_secret_key():
    result = _production(SECRET_KEY="dev-only-insecure-key-do-not-use-in-production")

    assert result.returncode != 0
    assert "SECRET_KEY is the development default" in result.stderr


@pytest.mark.parametrize("url", [None, "https://127.0.0.1:8000"])
def test_production_refuses_a_missing_or_loopback_portal_base_url(url):
    result = _production(PORTAL_BASE_URL=url)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "PORTAL_BASE_URL must be" in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "",
        "rdec-portal.tainan.gov.tw",
        "http://rdec-portal.tainan.gov.tw",
        "https://127.0.0.1:8000",
        "https://127.9.9.9",
        "https://localhost",
        "https://LOCALHOST.:8443/",
        "https://portal.localhost",
        "https://[::1]:8000",
        "https://0.0.0.0",
        "https:///no-host",
    ],
)
def test_a_public_url_is_absolute_https_and_not_this_machine(url):
    with pytest.raises(ImproperlyConfigured, match="PORTAL_BASE_URL must be"):
        check_public_url("PORTAL_BASE_URL", url)


@pytest.mark.parametrize(
    "url", ["https://rdec-portal.tainan.gov.tw", "https://10.20.1.5:8443/portal/"]
)
def test_an_intranet_or_public_https_url_is_accepted(url):
    assert check_public_url("PORTAL_BASE_URL", url) == url


def test_development_keeps_the_local_portal_base_url(settings):
    assert settings.PORTAL_BASE_URL == "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ALLOWED_HOSTS": "rdec-portal.tainan.gov.tw"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short", "ALLOWED_HOSTS": "rdec-portal.tainan.gov.tw"}, "SECRET_KEY"),
        ({"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "rdec.tainan.gov.tw"}, "SECRET_KEY"),
        ({"SECRET_KEY": secrets.token_urlsafe(64)}, "ALLOWED_HOSTS"),
        ({"SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_on_insecure_values(env, message):
    result = _manage("check", DJANGO_ENV="production", PORTAL_BASE_URL=PUBLIC_URL, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_an_unknown_django_env_stops_the_start():
    result = _manage("check", DJANGO_ENV="prod")
    assert result.returncode != 0
    assert "DJANGO_ENV must be one of" in result.stderr


def test_env_bool_reads_common_spellings_and_raises_on_others(monkeypatch):
    monkeypatch.setenv("FLAG", "Yes")
    assert env_bool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "off")
    assert env_bool("FLAG", True) is False
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG must be true or false"):
        env_bool("FLAG", False)


def test_env_int_raises_on_a_non_number(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "twenty-five")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT must be an integer"):
        env_int("EMAIL_PORT", 25)


def test_env_list_splits_and_trims(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " a.tainan.gov.tw, ,b.tainan.gov.tw ")
    assert env_list("ALLOWED_HOSTS") == ["a.tainan.gov.tw", "b.tainan.gov.tw"]


def test_database_url_selects_postgresql():
    config = parse_database_url("postgres://rdec:p%40ss@db.internal:6543/rdec?sslmode=require")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("rdec", "rdec", "p@ss")
    assert (config["HOST"], config["PORT"]) == ("db.internal", "6543")
    assert config["OPTIONS"] == {
        "sslmode": "require",
        "options": "-c max_parallel_workers_per_gather=0",
    }
    custom = parse_database_url("postgres://u@h/db?options=-c%20work_mem%3D64MB")
    assert custom["OPTIONS"] == {"options": "-c work_mem=64MB"}


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_portals_postgresql_connections_plan_no_parallel_workers():
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == ("0",)


@pytest.mark.parametrize(
    "url", ["mysql://u@h/db", "postgres://u@h", "postgres://u@h:notaport/db", "sqlite://"]
)
def test_database_url_rejects_what_it_cannot_use(url):
    with pytest.raises(ImproperlyConfigured):
        parse_database_url(url)


def test_embedded_defaults_are_chinese_taipei_and_in_process(settings):
    assert settings.LANGUAGE_CODE == "zh-hant"
    assert settings.TIME_ZONE == "Asia/Taipei"
    assert settings.USE_TZ is True
    assert settings.AUTH_USER_MODEL == "tainan_rdec.User"
    if not os.environ.get("REDIS_URL"):
        assert settings.CELERY_TASK_ALWAYS_EAGER is True


# -- .env.example: the one list of environment variables ---------------------------------------

ENV_HELPERS = {"env_str", "env_bool", "env_int", "env_list", "env_choice"}
# Django's own, set by manage.py and the WSGI/ASGI/Celery entry points, not by operators.
NOT_SETTINGS = {"DJANGO_SETTINGS_MODULE"}
SOURCES = ["tainan_rdec", "projects", "petitions", "evaluations", "awards"]
VARIABLE_LINE = re.compile(r"#?\s*([A-Z][A-Z0-9_]*)=")


def _is_os_environ(node) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _variables_read(path: Path) -> tuple[set[str], list[str]]:
    """Names read from the environment in ``path``: the typed helpers' first arguments,
    os.environ.get / os.environ[...] / os.getenv; and the reads whose name is not a literal."""
    names, unnamed = set(), []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        argument = None
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in ENV_HELPERS:
                argument = node.args[0] if node.args else None
            elif isinstance(func, ast.Attribute) and (
                (func.attr == "get" and _is_os_environ(func.value))
                or (func.attr == "getenv" and isinstance(func.value, ast.Name))
            ):
                argument = node.args[0] if node.args else None
            else:
                continue
        elif (
            isinstance(node, ast.Subscript)
            and _is_os_environ(node.value)
            and isinstance(node.ctx, ast.Load)
        ):
            argument = node.slice
        else:
            continue
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            names.add(argument.value)
        else:
            unnamed.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return names - NOT_SETTINGS, unnamed


def _project_sources():
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts and path.name != "env.py":
                yield path


def _example_lines() -> list[str]:
    return (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()


def test_the_settings_read_exactly_the_variables_env_example_lists():
    read, unnamed = set(), []
    for path in _project_sources():
        names, unknown = _variables_read(path)
        read |= names
        unnamed += unknown
    listed = {m.group(1) for line in _example_lines() if (m := VARIABLE_LINE.match(line))}

    assert unnamed == [], "read the environment with a literal name, so it can be listed"
    assert "SECRET_KEY" in read and "IMPORT_WORKERS" in read  # the scan sees settings.py
    assert sorted(read - listed) == [], "read by the code but missing from .env.example"
    assert sorted(listed - read) == [], "listed in .env.example but read by nothing"


def test_every_variable_in_env_example_comes_after_a_comment_saying_what_it_is():
    lines = _example_lines()
    orphans = []
    for number, line in enumerate(lines):
        if not VARIABLE_LINE.match(line):
            continue
        above = number - 1
        while above >= 0 and VARIABLE_LINE.match(lines[above]):
            above -= 1  # variables grouped under one comment
        if above < 0 or not lines[above].startswith("# ") or lines[above].startswith("# --"):
            orphans.append(line)
    assert orphans == []


def test_the_readme_sends_readers_to_env_example_and_keeps_no_second_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    assert ".env.example" in readme
    assert "| `SESSION_COOKIE_AGE`" not in readme
    assert not re.search(r"^\|\s*`[A-Z][A-Z0-9_]+`\s*\|", readme, re.MULTILINE)
