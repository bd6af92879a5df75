"""The boundaries of the house, enforced.

The one dependency direction (scoring and sources never import forecasts or each other);
only the outer ring of forecasts imports frameworks; ``forecasts/db`` is the one door to the
database; front ends go through ``forecasts/services``; ``sources`` reads no environment;
modules stay small; the CLI loads nothing heavy to show its help.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORKS = {
    "sqlmodel",
    "sqlalchemy",
    "fastapi",
    "typer",
    "apscheduler",
    "httpx",
    "alembic",
    "uvicorn",
    "starlette",
    "jinja2",
    "rich",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _modules(path: Path) -> set[str]:
    """Every absolute module named by an import in ``path`` (``a.b.c`` and its parents)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _package_files(*parts: str) -> list[Path]:
    return sorted((ROOT.joinpath(*parts)).rglob("*.py"))


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("scoring", {"forecasts", "sources"}),
        ("sources", {"forecasts", "scoring"}),
    ],
)
def test_inner_packages_do_not_import_outward(package: str, forbidden: set[str]) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & forbidden)
        for path in (ROOT / package).rglob("*.py")
        if _imports(path) & forbidden
    }
    assert offenders == {}


def test_domain_is_framework_free() -> None:
    domain_files = [
        *(ROOT / "forecasts" / "domain").rglob("*.py"),
        ROOT / "forecasts" / "ledger.py",
        ROOT / "forecasts" / "timeutils.py",
        ROOT / "forecasts" / "errors.py",
    ]
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FRAMEWORKS)
        for path in domain_files
        if _imports(path) & FRAMEWORKS
    }
    assert offenders == {}


def test_only_db_touches_tables_and_sql() -> None:
    offenders = {}
    for path in _package_files("forecasts"):
        if "db" in path.relative_to(ROOT / "forecasts").parts[:1]:
            continue
        bad = {
            m
            for m in _modules(path)
            if m.split(".")[0] in ("sqlalchemy", "sqlmodel") or m.startswith("forecasts.db.tables")
        }
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_front_ends_go_through_services() -> None:
    front = [
        *_package_files("forecasts", "cli"),
        *_package_files("forecasts", "api"),
        *_package_files("forecasts", "web"),
        ROOT / "forecasts" / "scheduler.py",
    ]
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in _modules(path) if m.startswith("forecasts.db")
        )
        for path in front
        if any(m.startswith("forecasts.db") for m in _modules(path))
    }
    assert offenders == {}


def test_sources_reads_no_environment() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in _package_files("sources")
        if "FORECASTS_" in path.read_text(encoding="utf-8")
        or {"os.environ", "os.getenv", "os.environb"} & _attribute_uses(path)
    ]
    assert offenders == []


def _attribute_uses(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        f"{node.value.id}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
    }


@pytest.mark.parametrize("package", ["forecasts", "scoring", "sources"])
def test_no_module_over_450_lines(package: str) -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in _package_files(package)
        if "migrations" not in path.parts
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > 450
    }
    assert long == {}


def test_cli_help_loads_nothing_heavy() -> None:
    code = (
        "import sys; from forecasts.cli import build_app; build_app(); "
        "print(' '.join(sorted(m for m in sys.modules if '.' not in m)))"
    )
    loaded = set(subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.split())  # fmt: skip
    heavy = {"sqlalchemy", "sqlmodel", "alembic", "numpy", "scipy", "httpx", "fastapi", "pydantic"}
    assert loaded & heavy == set()
