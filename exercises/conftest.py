"""Shared set-up of the visible tests.

``pytest exercises/test_resnet.py`` checks your ``exercises/resnet.py``;
``--impl=solutions`` (or ``--impl=DIR``) checks another folder of the seven
modules instead. One marker per module: ``pytest exercises -m resnet``.
"""
from pathlib import Path

import pytest

from grader.report import CheckFailure
from grader.spec import MODULES, NETWORKS
from grader.visible import run

ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser):
    parser.addoption("--impl", default="exercises",
                     help="folder whose modules the visible tests check: exercises (default), "
                          "solutions, or a path")


def pytest_configure(config):
    for module in MODULES:
        config.addinivalue_line("markers", f"{module}: visible tests of {module}.py "
                                           f"({NETWORKS[module].title})")


@pytest.fixture(scope="session")
def impl_dir(request) -> Path:
    impl = Path(request.config.getoption("--impl"))
    folder = impl if impl.is_absolute() or impl.exists() else ROOT / impl
    if not folder.is_dir():
        pytest.exit(f"--impl: {folder} is not a folder", returncode=4)
    return folder


@pytest.fixture
def check(impl_dir):
    """Run one visible check; a mistake fails the test with the check's message and no traceback."""
    def run_case(case):
        try:
            run(impl_dir, case)
            return
        except CheckFailure as failure:
            message = str(failure)
        pytest.fail(message, pytrace=False)   # outside ``except``: no chained traceback
    return run_case
