"""What an operator or a newcomer meets before any page: CI's database, what `make lint` leaves
behind, what every manage.py command prints, and a README that stands on its own."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from tests.conftest import subprocess_env

ROOT = Path(__file__).resolve().parents[2]


def _url(name: str) -> str:
    config = connection.settings_dict
    user = quote(config["USER"] or "")
    password = f":{quote(config['PASSWORD'])}" if config["PASSWORD"] else ""
    host = config["HOST"] or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{config['PORT'] or 5432}/{name}"


def _database_exists(name: str) -> bool:
    with psycopg.connect(_url("postgres"), autocommit=True) as db:
        found = db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return found is not None


def _drop(name: str) -> None:
    with psycopg.connect(_url("postgres"), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_ci_creates_the_database_that_database_url_names():
    # Named after the test database, so each xdist worker has its own.
    name = f"{connection.settings_dict['NAME']}_ci-run"
    _drop(name)
    try:
        for _ in range(2):  # the second run finds it and leaves it
            result = subprocess.run(
                ["bash", "-c", "source .ci/run && ensure_database"],
                cwd=ROOT,
                env=subprocess_env(DATABASE_URL=f"{_url(name)}?connect_timeout=10"),
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert result.returncode == 0, result.stderr
            assert _database_exists(name)
    finally:
        _drop(name)


def test_lint_reads_the_migration_history_without_leaving_db_sqlite3(tmp_path):
    # A copy of the project, so the check cannot be confused by a db.sqlite3 that `make run`
    # made in the checkout: the Makefile's own makemigrations line, run in it.
    for name in ["manage.py", "Makefile", "pyproject.toml", ".env.example"]:
        shutil.copy(ROOT / name, tmp_path / name)
    for folder in ["tainan_rdec", "projects", "petitions", "evaluations", "awards"]:
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("*.pyc"))
    recipe = (ROOT / "Makefile").read_text().split("\nlint:", 1)[1].split("\n\n", 1)[0]
    (line,) = [row.strip() for row in recipe.splitlines() if "makemigrations" in row]
    command = line.replace("$(BIN)/python", sys.executable)

    env = subprocess_env()
    env.pop("DATABASE_URL", None)
    env.pop("SQLITE_PATH", None)
    result = subprocess.run(
        ["sh", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout
    assert not (tmp_path / "db.sqlite3").exists()
    assert not list(tmp_path.glob("*memory*"))


def test_manage_py_commands_print_no_axes_banner():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "AXES" not in result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


# -- the README --------------------------------------------------------------------------------


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_links_only_to_files_in_the_repository():
    readme = _readme()
    targets = re.findall(r"\]\(([^)\s]+)\)", readme)

    assert targets, "the README links to docs/architecture.md at least"
    for target in targets:
        assert "://" not in target, target
        path = (ROOT / target.split("#", 1)[0]).resolve()
        assert path.is_relative_to(ROOT), target
        assert path.exists(), target
    assert "../" not in readme
    assert "shared/" not in readme


def test_readme_names_every_marker_that_skips_tests_without_services():
    markers = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"][
        "markers"
    ]
    names = [marker.split(":", 1)[0] for marker in markers]
    readme = _readme()

    assert {"postgres", "redis", "e2e"} <= set(names)
    for name in names:
        assert f"marked `{name}`" in readme, name
