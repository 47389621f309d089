#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image
# (written by `python -m grader gradescope`). It installs Python 3.11+, a
# virtual environment with the kit's pinned dependencies (CPU-only torch:
# Gradescope's containers have no GPU) and, for training checks, Fashion-MNIST;
# then it closes everything the grader owns to other users (lock_kit).
# AUTOGRADER_ROOT (default /autograder) exists for testing this layout elsewhere;
# sourced (`source setup.sh`), it only defines its steps, for the same reason.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
KIT="$ROOT/source/kit"
VENV="$ROOT/venv"
CPU_INDEX="https://download.pytorch.org/whl/cpu"
TORCH_PINS="{torch_pins}"
# The files of kit/grader that the student's process reads (grader/sandbox/paths.py's EXPOSED_GRADER_FILES).
EXPOSED_GRADER_FILES="{exposed_files}"
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1

fail() {
    echo "setup.sh: error: $*" >&2
    exit 1
}

find_python() {
    PYTHON=""
    for candidate in python3.13 python3.12 python3.11; do
        if command -v "$candidate" >/dev/null && "$candidate" -c "" 2>/dev/null; then   # a shim may not run
            PYTHON="$candidate"; break
        fi
    done
    if [ -z "$PYTHON" ]; then                      # Ubuntu 22.04 ships 3.10; 3.11 is in its archive
        apt-get update -qq
        apt-get install -y -qq python3.11 python3.11-venv || fail "could not install Python 3.11"
        PYTHON=python3.11
    fi
}

make_venv() {
    if ! "$PYTHON" -m venv "$VENV"; then           # Ubuntu packages venv separately
        apt-get update -qq
        apt-get install -y -qq "$PYTHON-venv" || fail "could not install $PYTHON-venv"
        "$PYTHON" -m venv "$VENV" || fail "could not create the virtual environment $VENV"
    fi
    "$VENV/bin/pip" install -q --upgrade pip || fail "could not upgrade pip"
}

# The CPU build of torch, from the CPU index only: a few hundred MB. No fallback to PyPI, whose
# torch is the CUDA build (several GB of libraries no Gradescope machine can use).
install_torch() {
    # shellcheck disable=SC2086
    "$VENV/bin/pip" install -q --index-url "$CPU_INDEX" $TORCH_PINS \
        || fail "could not install the CPU build of torch ($TORCH_PINS) from $CPU_INDEX; not installing" \
                "the CUDA build from PyPI instead. Rebuild the autograder image when that index answers."
    check_torch
}

check_torch() {
    local version
    version="$("$VENV/bin/python" -c "import torch; print(torch.__version__)")" \
        || fail "torch does not import in $VENV"
    case "$version" in
        *+cpu) ;;
        *) fail "installed torch $version, not the CPU build (a version ending in +cpu) asked from $CPU_INDEX" ;;
    esac
}

install_kit() {
    "$VENV/bin/pip" install -q -r "$KIT/requirements.txt" || fail "could not install $KIT/requirements.txt"
    "$VENV/bin/pip" install -q --no-deps -e "$KIT" || fail "could not install the kit"
    check_torch                                    # the requirements did not replace it
}

install_data() {
    # The training checks read /usr/share/datasets/fashion-mnist (what Debian's
    # dataset-fashion-mnist installs): from the package when it carries the files.
    if [ -d "$KIT/data/fashion-mnist" ]; then
        mkdir -p /usr/share/datasets/fashion-mnist
        cp "$KIT"/data/fashion-mnist/* /usr/share/datasets/fashion-mnist/
        chmod -R a+rX /usr/share/datasets
    else
        apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist \
            || fail "could not install dataset-fashion-mnist (the training checks need Fashion-MNIST)"
    fi
}

# Students' code runs under an unprivileged user id of its own (the grader's sandbox, as root). Where
# the container cannot make mount namespaces (no CAP_SYS_ADMIN: Docker's default), that uid sees this
# file tree as it is, so everything the grader owns is root's alone: the hidden checks, the grader's
# code, the solutions, the reference cache, the package's data. Others may only pass through
# source/, kit/ and kit/grader/ (never list them) to the few files the student's process reads.
# The virtual environment stays readable: the student's process runs that Python.
lock_kit() {
    [ -d "$KIT" ] || fail "no kit in $KIT"
    if [ -x "$VENV/bin/python" ]; then             # compiled now: nothing is written in the kit later
        "$VENV/bin/python" -m compileall -q "$KIT/grader" >/dev/null || true
    fi
    chown -R root:root "$ROOT/source"
    chmod -R go-rwx "$ROOT/source"
    chmod go+x "$ROOT/source" "$KIT" "$KIT/grader"
    local name
    for name in $EXPOSED_GRADER_FILES; do
        [ -f "$KIT/grader/$name" ] && chmod go+r "$KIT/grader/$name"
    done
    chmod 700 "$ROOT/results" 2>/dev/null || true   # other results: Gradescope's own folder
}

main() {
    find_python
    make_venv
    install_torch
    install_kit
    if [ "{train}" = "1" ]; then install_data; fi
    lock_kit
    "$VENV/bin/python" -c "import torch, hypothesis, pytest; print('setup.sh: torch', torch.__version__, 'ready')"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    main "$@"
fi
