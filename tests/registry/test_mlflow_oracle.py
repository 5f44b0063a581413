"""MLflow itself is the oracle of the registry's MLflow format: a model MLflow saved
(``mlflow.sklearn.save_model``) is registered zipped and as a tar.gz, downloaded, unpacked and
loaded back by ``mlflow.pyfunc.load_model``: the same predictions, flavours and signature, and
the platform's lineage in its MLmodel's metadata beside the user's own.

MLflow runs in its own environment, ``.venv-mlflow`` (``bench/mlflow/setup.sh``, called by
``./dev test``); in CI a missing environment fails the test instead of skipping it."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.api_support import client_as
from tests.factories import World
from tests.registry.support import register

ROOT = Path(__file__).resolve().parents[2]
MLFLOW_PYTHON = ROOT / ".venv-mlflow" / "bin" / "python"
RUNNER = ROOT / "bench" / "mlflow" / "run_mlflow.py"


def _mlflow(*args: str) -> str:
    if not MLFLOW_PYTHON.exists():
        reason = "no .venv-mlflow: run bench/mlflow/setup.sh"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI must run the oracle, not skip it)")
        pytest.skip(reason)
    done = subprocess.run([str(MLFLOW_PYTHON), str(RUNNER), *args], check=True, timeout=300,
                          capture_output=True, text=True,
                          env={**os.environ, "MLFLOW_TRACKING_URI": "file:///nonexistent",
                               "PYTHONWARNINGS": "ignore"})
    return done.stdout


def _loaded(folder: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(_mlflow("load", str(folder)).strip().splitlines()[-1])
    return found


def test_a_model_mlflow_saved_comes_back_loadable_by_mlflow(world: World,
                                                            tmp_path: Path) -> None:
    saved = tmp_path / "credit-scorer"
    _mlflow("save", str(saved))
    original = _loaded(saved)
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:  # the folder itself, zipped
        for path in sorted(saved.rglob("*")):
            zf.write(path, f"credit-scorer/{path.relative_to(saved)}")
    packed = io.BytesIO()
    with tarfile.open(fileobj=packed, mode="w:gz") as tf:  # tar -C credit-scorer -czf m.tgz .
        tf.add(saved, arcname=".")
    lead = client_as(world.project_lead)
    for data, name in ((zipped.getvalue(), "credit-scorer.zip"),
                       (packed.getvalue(), "credit-scorer.tgz")):
        out = register(lead, world.project.pk, data=data, filename=name)
        assert out["imported_from_mlflow"] is True
        assert out["flavors"] == ["python_function", "sklearn"]
        response = lead.get(f"/api/model-versions/{out['id']}/artefact")
        back = tmp_path / f"v{out['number']}"
        with zipfile.ZipFile(io.BytesIO(response.getvalue())) as zf:
            zf.extractall(back)
        loaded = _loaded(back)
        assert loaded["predictions"] == original["predictions"]
        assert loaded["flavors"] == original["flavors"] == ["python_function", "sklearn"]
        assert loaded["signature_inputs"] == original["signature_inputs"] == ["income", "age"]
        assert loaded["metadata"]["team"] == "risk"  # the user's own metadata, kept
        assert loaded["metadata"]["laif"]["project"] == world.project.code
        shutil.rmtree(back)
