"""The one dependency direction: scoring and sources never import forecasts or each other;
only the outer ring of forecasts imports frameworks."""

from __future__ import annotations

import ast
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
