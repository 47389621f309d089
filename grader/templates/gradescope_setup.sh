#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image
# (written by `python -m grader gradescope`). It installs Python 3.11+, a
# virtual environment with the kit's pinned dependencies (CPU-only torch:
# Gradescope's containers have no GPU) and, for training checks, Fashion-MNIST.
# AUTOGRADER_ROOT (default /autograder) exists for testing this layout elsewhere.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
KIT="$ROOT/source/kit"
VENV="$ROOT/venv"
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1

PYTHON=""
for candidate in python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null; then PYTHON="$candidate"; break; fi
done
if [ -z "$PYTHON" ]; then                      # Ubuntu 22.04 ships 3.10; 3.11 is in its archive
    apt-get update -qq
    apt-get install -y -qq python3.11 python3.11-venv
    PYTHON=python3.11
fi
if ! "$PYTHON" -m venv "$VENV"; then           # Ubuntu packages venv separately
    apt-get update -qq
    apt-get install -y -qq "$PYTHON-venv"
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --upgrade pip
# The CPU build of torch: a few hundred MB instead of several GB of CUDA libraries.
"$VENV/bin/pip" install -q --index-url https://download.pytorch.org/whl/cpu {torch_pins} \
    || echo "setup.sh: the CPU-only torch index failed; installing torch from PyPI"
"$VENV/bin/pip" install -q -r "$KIT/requirements.txt"
"$VENV/bin/pip" install -q --no-deps -e "$KIT"

if [ "{train}" = "1" ]; then
    # The training checks read /usr/share/datasets/fashion-mnist (what Debian's
    # dataset-fashion-mnist installs): from the package when it carries the files.
    if [ -d "$KIT/data/fashion-mnist" ]; then
        mkdir -p /usr/share/datasets/fashion-mnist
        cp "$KIT"/data/fashion-mnist/* /usr/share/datasets/fashion-mnist/
        chmod -R a+rX /usr/share/datasets
    else
        apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist
    fi
fi

# Students' code runs under an unprivileged user id of its own (the grader's
# sandbox, as root): the reference solutions and their cached observations
# stay unreadable to it.
chmod -R go-rwx "$KIT/solutions"
[ -f "$KIT/reference_cache.json" ] && chmod go-rwx "$KIT/reference_cache.json"
"$VENV/bin/python" -c "import torch, hypothesis, pytest; print('setup.sh: torch', torch.__version__, 'ready')"
