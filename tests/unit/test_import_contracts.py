"""The import contracts (pyproject.toml, ``[tool.importlinter]``; ADR 0019): the project keeps them,
and a deliberately wrong import breaks them. Each wrong import is added to a copy of the source
tree, checked with the project's own configuration."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "pyproject.toml"


def lint_imports(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("lint-imports")
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [str(script), str(CONFIG), "--no-cache"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False,
    )


def test_the_project_keeps_its_contracts() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


LAYERS = ("Layers of the apps (wiring, CLI, reports, train | connect | network, govern, registry, assess | entry | fund | green | "
          "ops, billing, compute, jobs, usage, sandbox, allocations | cluster, accounts, catalogue)")


@pytest.mark.parametrize(
    ("module", "wrong_import", "contract"),
    [
        ("usage/budget.py", "import django.db", "Pure modules import no Django"),
        ("allocations/capacity.py", "from laif.allocations import models",
         "Pure modules import no Django"),
        ("fund/rules.py", "from laif.allocations import selectors", "Pure modules import no Django"),
        ("cli/client.py", "from laif.jobs import services", "The CLI talks to the REST API only"),
        ("ops/beats.py", "from laif.allocations.models import Allocation",
         "No app imports another app's models"),
        ("compute/views.py", "from laif.fund import selectors", LAYERS),
        ("usage/totals.py", "from laif.billing import selectors", LAYERS),
        ("usage/balance.py", "from laif.jobs import selectors", LAYERS),
        ("jobs/services.py", "from laif.compute import views", LAYERS),
        ("cluster/services.py", "from laif.jobs import services", LAYERS),
        ("allocations/review.py", "from laif.jobs import accounts_sync", LAYERS),
        ("allocations/services.py", "from laif.cluster import selectors", LAYERS),
        ("ops/views.py", "from laif.reports import kpis", LAYERS),
        ("fund/selectors.py", "from laif.green import selectors", LAYERS),
        # the registry sits under govern and over green: never the other way
        ("registry/selectors.py", "from laif.govern import selectors", LAYERS),
        ("green/selectors.py", "from laif.registry import selectors", LAYERS),
        ("green/footprint.py", "import django.db", "Pure modules import no Django"),
        ("cluster/scheduler/__init__.py", "from django.conf import settings",
         "Pure modules import no Django"),
        ("usage/hooks.py", "from laif.usage import models", "Pure modules import no Django"),
        ("fund/services.py", "from laif.billing.models import BilledEntry",
         "No app imports another app's models"),
    ],
)
def test_a_wrong_import_breaks_its_contract(
    tmp_path: Path, module: str, wrong_import: str, contract: str
) -> None:
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "laif", src / "laif",
                    ignore=shutil.ignore_patterns("static", "templates", "locale", "__pycache__"))
    with (src / "laif" / module).open("a") as source:
        source.write(f"\n{wrong_import}  # deliberately wrong\n")

    result = lint_imports(tmp_path, pythonpath=src)

    assert result.returncode == 1, result.stdout + result.stderr
    # the report wraps long contract names: compare with the whitespace made single spaces
    assert f"{contract} BROKEN" in " ".join(result.stdout.split())
    assert "1 broken" in result.stdout
