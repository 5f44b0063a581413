#!/usr/bin/env bash
# Creates .venv-<name>/ at the repository root from bench/<name>/requirements.txt: a tool the
# tests hold laif against (an oracle), in its own environment apart from laif's.
#   bench/oracle_venv.sh NAME 'python statement that imports the tool and prints its version'
# Idempotent: when the environment already holds exactly requirements.txt, it returns at once.
set -euo pipefail
[ $# -eq 2 ] || { sed -n '2,5p' "$0" >&2; exit 2; }
NAME=$1 CHECK=$2
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy UV_NO_PROGRESS=1
PY=${LAIF_PYTHON:-python3.11}
VENV=$ROOT/.venv-$NAME
REQ=$ROOT/bench/$NAME/requirements.txt
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
"$VENV/bin/python" -c "$CHECK"
echo "$want" > "$STAMP"
