# The two commands of a fresh machine (see README):
#   make demo   set up, print every network's per-layer table, run the visible
#               tests against the reference solutions, and grade a student's
#               LeNet with two mistakes (examples/student) as an instructor would
#   make test   set up, then run the whole test suite
# Without an NVIDIA GPU add CPU=1 (make demo CPU=1): torch and torchvision then
# come from PyTorch's CPU-only index, a fraction of the default CUDA wheels.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
CPU    ?=
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu
# the pins of torch and torchvision, as pyproject.toml has them
TORCH_PINS = $(shell sed -n 's/^ *"\(torch\(vision\)\{0,1\}==[^"]*\)",$$/\1/p' pyproject.toml)

.PHONY: setup demo test stubs
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(if $(CPU),$(PY) -m pip install -q $(TORCH_PINS) --index-url $(TORCH_CPU_INDEX))
	$(PY) -m pip install -q -e .
	touch $@

demo: setup
	$(PY) -m grader tables
	$(PY) -m pytest exercises --impl=solutions -q
	$(PY) -m grader grade examples/student --only lenet --no-train

test: setup
	$(PY) -m pytest tests exercises --impl=solutions --durations=15

stubs: setup
	$(PY) -m grader stubs
