"""Visible tests of alexnet.py (AlexNet): the book's layer table, parameter count and examples.

Run: pytest exercises/test_alexnet.py   (or: pytest exercises -m alexnet)
"""
if __name__ == "__main__":     # `python exercises/test_alexnet.py`: the same as pytest on this file
    import subprocess
    import sys
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", __file__, *sys.argv[1:]]))

import pytest  # noqa: E402

from grader.visible import cases  # noqa: E402

pytestmark = pytest.mark.alexnet


@pytest.mark.parametrize("case", cases("alexnet"), ids=str)
def test_alexnet(case, check):
    check(case)
