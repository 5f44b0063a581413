"""No module of laif imports another module's private names (``from laif.x import _name``): a
name that another module needs is public in its module (issue 18; the contracts of ADR 0019 see
modules, not names). Migrations are history and left out."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "laif"


def private_imports(source: str) -> list[str]:
    """``module: name`` of every private name a module imports from laif."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("laif"):
            found += [f"{node.module}: {alias.name}" for alias in node.names
                      if alias.name.startswith("_") and not alias.name.startswith("__")]
    return found


def test_the_check_sees_a_private_import() -> None:
    assert private_imports("from laif.allocations.selectors import in_scope, _hidden\n") == [
        "laif.allocations.selectors: _hidden"]
    assert private_imports("def f():\n    from laif.accounts.api import _user\n") == [
        "laif.accounts.api: _user"]
    assert private_imports("from laif.accounts.services import _email_links\n") == [
        "laif.accounts.services: _email_links"]


def test_no_module_imports_a_private_name() -> None:
    offenders = {
        str(path.relative_to(SRC)): found
        for path in sorted(SRC.rglob("*.py")) if "migrations" not in path.parts
        if (found := private_imports(path.read_text()))
    }
    assert offenders == {}
