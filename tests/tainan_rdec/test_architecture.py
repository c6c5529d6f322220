"""The import contracts in pyproject.toml ([tool.importlinter], run by `make lint`) state the
architecture of docs/architecture.md. These tests prove the contracts hold on the code as it is,
and that each one fails when a copy of the code breaks it on purpose — a contract that a typo
made vacuous would pass both the linter and the first test, but not the second."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("tainan_rdec", "projects", "petitions", "evaluations", "awards")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint(tree: Path, *contracts: str) -> subprocess.CompletedProcess:
    args = [str(LINT_IMPORTS), "--no-cache", "--no-logo"]
    for contract in contracts:
        args += ["--contract", contract]
    return subprocess.run(args, cwd=tree, capture_output=True, text=True, timeout=300)


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the packages and the contracts, to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def plant(tree: Path, module: str, statement: str) -> None:
    """Add ``statement`` inside a function at the end of ``module`` (a path under ``tree``):
    import-linter counts an import in a function like one at the top."""
    path = tree / module
    path.write_text(path.read_text() + f"\n\ndef _planted():\n    {statement}  # noqa\n")


def test_every_contract_holds_on_the_code():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("contract", "module", "statement"),
    [
        ("kernel", "tainan_rdec/roc.py", "from petitions import stats"),
        ("apps", "projects/lag.py", "from awards import stats"),
        ("apps", "petitions/stats.py", "from projects import lag"),
        ("apps-awards", "awards/stats.py", "from petitions import stats"),
        ("apps-evaluations", "evaluations/rubrics.py", "from projects import lag"),
        ("layers", "projects/services.py", "from projects.views import dashboard"),
        ("layers", "petitions/models/cases.py", "from petitions import stats"),
        ("layers", "awards/forms.py", "from awards.views import summary"),
        ("tasks", "projects/services.py", "from projects.tasks import build_packet"),
        ("tasks", "tainan_rdec/reminders.py", "from tainan_rdec.tasks import send_reminder"),
        ("acyclic", "projects/lag.py", "from projects import warning"),
        ("acyclic", "tainan_rdec/models.py", "from tainan_rdec import workdays"),
    ],
)
def test_a_contract_broken_on_purpose_fails(tree, contract, module, statement):
    assert lint(tree, contract).returncode == 0
    plant(tree, module, statement)
    result = lint(tree, contract)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout


def test_a_new_module_must_take_its_place_in_the_layers(tree):
    (tree / "projects" / "newthing.py").write_text("X = 1\n")
    result = lint(tree, "layers")
    assert result.returncode != 0
    assert "projects.newthing" in result.stdout
