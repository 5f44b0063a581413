#!/usr/bin/env bash
# Creates .venv-evidently/ at the repository root: Evidently 0.7, the oracle of the drift engine
# (tests/govern/test_drift_oracle.py, bench/drift.py), apart from laif's own environment.
# Idempotent (bench/oracle_venv.sh).
set -euo pipefail
export DO_NOT_TRACK=1
exec "$(dirname "$0")/../oracle_venv.sh" evidently \
  "import evidently.presets, evidently; print('evidently', evidently.__version__)"
