#!/bin/bash
# PyTorch distributed data parallel on the GPUs of one node, started by torchrun.
# Replace train.py with your training script; it reads LOCAL_RANK and uses init_process_group("nccl").
set -euo pipefail
GPUS=$(echo "${CUDA_VISIBLE_DEVICES:-}" | tr ',' '\n' | grep -c . || true)
echo "job ${SLURM_JOB_ID:-local} on $(hostname) with ${GPUS} GPUs: ${CUDA_VISIBLE_DEVICES:-none}"
if command -v torchrun >/dev/null && [ -f train.py ]; then
  torchrun --standalone --nproc_per_node="${GPUS:-1}" train.py
else
  echo "torchrun or train.py not found: nothing to train (template check only)"
fi
