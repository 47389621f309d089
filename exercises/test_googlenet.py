"""Visible tests of googlenet.py (GoogLeNet): the book's layer table, parameter count and examples.

Run: pytest exercises/test_googlenet.py   (or: pytest exercises -m googlenet)
"""
if __name__ == "__main__":     # `python exercises/test_googlenet.py`: the same as pytest on this file
    import subprocess
    import sys
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", __file__, *sys.argv[1:]]))

import pytest  # noqa: E402

from grader.visible import cases  # noqa: E402

pytestmark = pytest.mark.googlenet


@pytest.mark.parametrize("case", cases("googlenet"), ids=str)
def test_googlenet(case, check):
    check(case)
