"""The layers contract (pyproject.toml, docs/decisions/0022-layers.md) is checked by import-linter
in `make test`. These tests run `lint-imports` on a copy of the source tree, so that a module with
a wrong import can be added without touching the real one."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(ROOT / "pyproject.toml")],
        cwd=tree,
        env={"PYTHONPATH": str(tree / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def source_copy(tmp_path) -> Path:
    shutil.copytree(
        ROOT / "src" / "testamur",
        tmp_path / "src" / "testamur",
        ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "*.typ", "data"),
    )
    return tmp_path


def test_the_source_keeps_its_layers(source_copy):
    result = _lint_imports(source_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Layers point down KEPT" in result.stdout


@pytest.mark.parametrize(
    ("module", "source", "broken"),
    [
        # An upward import hidden inside a function is caught as well as one at the top.
        (
            "core/layer_probe.py",
            "def dashboard():\n    from testamur.credentials import selectors\n",
            "testamur.core is not allowed to import testamur.credentials",
        ),
        (
            "training/layer_probe.py",
            "from testamur.qualifications import models\n",
            "testamur.training is not allowed to import testamur.qualifications",
        ),
        # Siblings of one layer are independent of each other.
        (
            "reports/layer_probe.py",
            "from testamur.verification import models\n",
            "testamur.reports is not allowed to import testamur.verification",
        ),
    ],
)
def test_a_wrong_import_breaks_the_contract(source_copy, module, source, broken):
    (source_copy / "src" / "testamur" / module).write_text(source)
    result = _lint_imports(source_copy)
    assert result.returncode != 0
    assert "Layers point down BROKEN" in result.stdout
    assert broken in " ".join(result.stdout.split())
