"""Visible tests of batch_norm.py (LeNet with BatchNorm): the book's layer table, parameter count and examples.

Run: pytest exercises/test_batch_norm.py   (or: pytest exercises -m batch_norm)
"""
if __name__ == "__main__":     # `python exercises/test_batch_norm.py`: the same as pytest on this file
    import subprocess
    import sys
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", __file__, *sys.argv[1:]]))

import pytest  # noqa: E402

from grader.visible import cases  # noqa: E402

pytestmark = pytest.mark.batch_norm


@pytest.mark.parametrize("case", cases("batch_norm"), ids=str)
def test_batch_norm(case, check):
    check(case)
