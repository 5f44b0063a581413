#!/usr/bin/env bash
# Render laif's systemd units (deploy/systemd/) into OUT_DIR (e.g. /etc/systemd/system), with:
#   LAIF_HOME      the checkout with its .venv       (default /opt/laif)
#   LAIF_ENV_FILE  the environment file (laif.env)   (default /etc/laif/laif.env)
#   LAIF_DATA_DIR  the platform's files              (default /var/lib/laif)
#   LAIF_JOBS_DIR  the jobs' directories             (default $LAIF_DATA_DIR/jobs)
# docs/OPERATIONS.md explains the whole installation.
set -euo pipefail
out=${1:?usage: deploy/render-units.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
home=${LAIF_HOME:-/opt/laif}
env_file=${LAIF_ENV_FILE:-/etc/laif/laif.env}
data=${LAIF_DATA_DIR:-/var/lib/laif}
jobs=${LAIF_JOBS_DIR:-$data/jobs}
hardening=$(grep -v '^#' "$here/systemd/hardening.conf" | sed -e "s|@LAIF_DATA_DIR@|$data|g" \
  -e "s|@LAIF_JOBS_DIR@|$jobs|g")
mkdir -p "$out"
for unit in laif-web.service laif-worker@.service laif-schedule.service laif.target; do
  python3 - "$here/systemd/$unit" "$out/$unit" "$home" "$env_file" "$hardening" <<'PY'
import sys
source, target, home, env_file, hardening = sys.argv[1:]
text = open(source).read()
for key, value in (("@LAIF_HOME@", home), ("@LAIF_ENV_FILE@", env_file),
                   ("@LAIF_HARDENING@", hardening)):
    text = text.replace(key, value)
open(target, "w").write(text)
PY
  echo "rendered $out/$unit"
done
