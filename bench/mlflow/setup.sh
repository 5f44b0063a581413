#!/usr/bin/env bash
# Creates .venv-mlflow/ at the repository root: MLflow with scikit-learn, the oracle of the model
# registry's MLflow format (tests/registry/test_mlflow_oracle.py): a model MLflow saved is
# registered, exported and loaded back by MLflow. Idempotent (bench/oracle_venv.sh).
set -euo pipefail
exec "$(dirname "$0")/../oracle_venv.sh" mlflow \
  "import mlflow, sklearn; print('mlflow', mlflow.__version__, 'scikit-learn', sklearn.__version__)"
