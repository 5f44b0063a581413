#!/usr/bin/env bash
# Creates .venv-evidently/ at the repository root: Evidently 0.7, the oracle of the drift engine
# (tests/govern/test_drift_oracle.py, bench/drift.py), apart from laif's own environment.
# Idempotent: when the environment already holds exactly requirements.txt, it returns at once.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
export UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy UV_NO_PROGRESS=1
PY=${LAIF_PYTHON:-python3.11}
VENV=$ROOT/.venv-evidently
REQ=$ROOT/bench/evidently/requirements.txt
STAMP=$VENV/.requirements.sha256
UV=$ROOT/.tools/bin/uv
if [ ! -x "$UV" ]; then
  command -v uv >/dev/null || { echo "error: no uv: run ./dev setup first" >&2; exit 1; }
  UV=$(command -v uv)
fi
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ -x "$VENV/bin/python" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
[ -x "$VENV/bin/python" ] || "$UV" venv -q --python "$PY" "$VENV"
"$UV" pip sync -q --python "$VENV/bin/python" "$REQ"
DO_NOT_TRACK=1 "$VENV/bin/python" -c "import evidently.presets, evidently; print('evidently', evidently.__version__)"
echo "$want" > "$STAMP"
