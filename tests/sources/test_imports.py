"""Architecture: ``sources`` never imports ``forecasts`` or ``scoring``."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import sources

FORBIDDEN = {"forecasts", "scoring"}
ROOT = Path(sources.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_sources_does_not_import_forecasts_or_scoring() -> None:
    files = sorted(ROOT.rglob("*.py"))
    assert len(files) > 15
    offenders = {str(p.relative_to(ROOT)): _imports(p) & FORBIDDEN for p in files}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom forecasts.domain import Question\nimport scoring.brier\n")
    assert _imports(bad) & FORBIDDEN == {"forecasts", "scoring"}


def test_importing_sources_loads_no_builtin_module() -> None:
    code = (
        "import sys, sources; "
        "print(sorted(m for m in sys.modules if m.startswith('sources.builtin')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
