"""Runs in .venv-mlflow (bench/mlflow/setup.sh), never in laif's environment: MLflow's side of
tests/registry/test_mlflow_oracle.py.

    run_mlflow.py save DIR    a small scikit-learn classifier saved by mlflow.sklearn.save_model
    run_mlflow.py load DIR    the model in DIR loaded by mlflow.pyfunc.load_model: its predictions
                              on the fixed inputs and its MLmodel's metadata, as JSON on stdout
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# MLflow, pandas and scikit-learn are in .venv-mlflow only, not where laif is type-checked
import mlflow.pyfunc  # type: ignore[import-not-found]
import mlflow.sklearn  # type: ignore[import-not-found]
import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from mlflow.models import Model, infer_signature  # type: ignore[import-not-found]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-not-found]


def inputs() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame({"income": rng.normal(3_000, 800, 200), "age": rng.integers(18, 80, 200)})


def save(folder: Path) -> None:
    x = inputs()
    y = (x["income"] > 3_000).astype(int)
    model = LogisticRegression(max_iter=500).fit(x, y)
    mlflow.sklearn.save_model(model, str(folder), signature=infer_signature(x, model.predict(x)),
                              metadata={"team": "risk"})


def load(folder: Path) -> None:
    model = mlflow.pyfunc.load_model(str(folder))
    meta = Model.load(str(folder / "MLmodel"))
    print(json.dumps({"predictions": [int(p) for p in model.predict(inputs())],
                      "flavors": sorted(meta.flavors), "metadata": meta.metadata,
                      "signature_inputs": [c["name"] for c in meta.signature.inputs.to_dict()]}))


if __name__ == "__main__":
    {"save": save, "load": load}[sys.argv[1]](Path(sys.argv[2]))
