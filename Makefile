# The two commands of a fresh machine (see README):
#   make demo   set up, then print every network's per-layer table and run the
#               visible tests against the reference solutions
#   make test   set up, then run the whole test suite
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: setup demo test stubs
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

demo: setup
	$(PY) -m grader tables
	$(PY) -m pytest exercises --impl=solutions -q

test: setup
	$(PY) -m pytest tests exercises --impl=solutions

stubs: setup
	$(PY) -m grader stubs
