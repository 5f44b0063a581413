#!/bin/bash
# Run a model over a set of inputs and write one result file. Put your code in infer.py.
set -euo pipefail
INPUT=${INPUT:-"inputs"}
OUTPUT=${OUTPUT:-"results"}
echo "batch inference over ${INPUT} with GPUs ${CUDA_VISIBLE_DEVICES:-none}"
if command -v python3 >/dev/null && [ -f infer.py ]; then
  python3 infer.py --input "${INPUT}" --output "${OUTPUT}"
else
  echo "infer.py not found: nothing to infer (template check only)"
fi
