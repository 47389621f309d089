#!/usr/bin/env bash
# One GPU, one run of a few minutes: all nine networks trained with the kit's
# fast recipe at the book's input sizes until they reach the book's printed
# test accuracy; the numbers go to a JSON file and a text log.
#
#   benchmarks/gpu.sh [OUT_DIR]          # default OUT_DIR: benchmarks/results
#   CALIBRATE=1 benchmarks/gpu.sh        # also calibrate the CUDA training checks
#                                        # (5 seeds each; updates grader/calibration.json)
#   DRY_RUN=1 benchmarks/gpu.sh          # the same pipeline, 2 steps per network, on the CPU
#
# Environment: PYTHON (default .venv/bin/python, else python3), FASHION_MNIST_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT_DIR=${1:-benchmarks/results}
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
STAMP=$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT_DIR"

if [ "${DRY_RUN:-0}" = 1 ]; then
    DEVICE=cpu
    EXTRA=(--dry-run)
else
    DEVICE=cuda
    EXTRA=()
    "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA device: use DRY_RUN=1 on a CPU machine')"
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT_DIR/gpu-$STAMP.device.txt" || true
fi

"$PY" -m benchmarks.time_to_accuracy --device "$DEVICE" "${EXTRA[@]}" \
    --out "$OUT_DIR/gpu-$STAMP.json" 2>&1 | tee "$OUT_DIR/gpu-$STAMP.log"

if [ "${CALIBRATE:-0}" = 1 ]; then
    if [ "${DRY_RUN:-0}" = 1 ]; then
        echo "CALIBRATE=1 needs the GPU; skipped in a dry run"
    else
        "$PY" -m benchmarks.calibrate --device cuda --seeds 0 1 2 3 4 --write \
            2>&1 | tee "$OUT_DIR/calibrate-cuda-$STAMP.log"
        cp grader/calibration.json "$OUT_DIR/calibration-$STAMP.json"
    fi
fi
echo "numbers in $OUT_DIR/gpu-$STAMP.json"
