"""Shared set-up of the visible tests.

``pytest exercises/test_resnet.py`` checks your ``exercises/resnet.py``;
``--impl=DIR`` checks the modules of another folder instead. One marker per
module: ``pytest exercises -m resnet``.
"""
import sys
from pathlib import Path

import pytest

MISSING = None      # the module that cannot be imported, if any
try:
    from grader.report import CheckFailure
    from grader.spec import ALL_MODULES, NETWORKS
    from grader.visible import run
except ModuleNotFoundError as error:    # torch or the helpers are not where pytest runs
    MISSING, ALL_MODULES = error.name or str(error), ()

ROOT = Path(__file__).resolve().parent.parent
MISSING_MESSAGE = (
    "the visible tests need {name}, which this Python ({python}) cannot import: activate the environment "
    "you installed into (Linux/macOS: source .venv/bin/activate; Windows: .venv\\Scripts\\activate) "
    "or install it as README.md says. / 无法导入 {name}：请先激活虚拟环境，或按 README.md 安装。")


def pytest_addoption(parser):
    parser.addoption("--impl", default="exercises",
                     help="folder whose modules the visible tests check: exercises (default) or a path")


def pytest_configure(config):
    if MISSING:     # one line that says what to do, instead of a traceback per test file
        pytest.exit(MISSING_MESSAGE.format(name=MISSING, python=sys.executable), returncode=4)
    for module in ALL_MODULES:
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
