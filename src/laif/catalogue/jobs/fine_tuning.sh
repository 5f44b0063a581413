#!/bin/bash
# Fine-tune a pretrained model on your data. Set MODEL, DATA and OUTPUT, and put your script in
# finetune.py (for example with Hugging Face transformers' Trainer).
set -euo pipefail
MODEL=${MODEL:-"your-base-model"}
DATA=${DATA:-"data/train.jsonl"}
OUTPUT=${OUTPUT:-"checkpoints"}
echo "fine-tuning ${MODEL} on ${DATA} with GPUs ${CUDA_VISIBLE_DEVICES:-none}"
if command -v python3 >/dev/null && [ -f finetune.py ]; then
  python3 finetune.py --model "${MODEL}" --data "${DATA}" --output "${OUTPUT}"
else
  echo "finetune.py not found: nothing to fine-tune (template check only)"
fi
