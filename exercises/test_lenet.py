"""Visible tests of lenet.py (LeNet): the book's layer table, parameter count and examples.

Run: pytest exercises/test_lenet.py   (or: pytest exercises -m lenet)
"""
if __name__ == "__main__":     # `python exercises/test_lenet.py`: the same as pytest on this file
    import subprocess
    import sys
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", __file__, *sys.argv[1:]]))

import pytest  # noqa: E402

from grader.visible import cases  # noqa: E402

pytestmark = pytest.mark.lenet


@pytest.mark.parametrize("case", cases("lenet"), ids=str)
def test_lenet(case, check):
    check(case)
