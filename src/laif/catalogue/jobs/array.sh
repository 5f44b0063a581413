#!/bin/bash
# An array of independent tasks: each task gets its number in SLURM_ARRAY_TASK_ID (0, 1, ...)
# and, for example, processes one shard of the data. The platform runs at most "tasks at a time"
# of them together (two by default); its budget still counts every task.
set -euo pipefail
TASK=${SLURM_ARRAY_TASK_ID:-0}
echo "task ${TASK} on $(hostname) with GPUs ${CUDA_VISIBLE_DEVICES:-none}"
if command -v python3 >/dev/null && [ -f task.py ]; then
  python3 task.py --shard "${TASK}"
else
  echo "task.py not found: nothing to process for shard ${TASK} (template check only)"
fi
