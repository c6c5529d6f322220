import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from tainan_rdec.env import env_bool, env_int, env_list, parse_database_url
from tests.conftest import subprocess_env

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env):
    # A fresh interpreter: production settings are decided at import time.
    clean = subprocess_env(**env)
    for name in {"SECRET_KEY", "ALLOWED_HOSTS"} - set(env):
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
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


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
    result = _manage("check", DJANGO_ENV="production", **env)
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
    assert config["OPTIONS"] == {"sslmode": "require"}


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
