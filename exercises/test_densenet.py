"""Visible tests of densenet.py (DenseNet): the book's layer table, parameter count and block examples.

Run: pytest exercises/test_densenet.py   (or: pytest exercises -m densenet)
"""
if __name__ == "__main__":     # `python exercises/test_densenet.py`: the same as pytest on this file
    import subprocess
    import sys
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", __file__, *sys.argv[1:]]))

import pytest  # noqa: E402

from grader.visible import cases  # noqa: E402

pytestmark = pytest.mark.densenet


@pytest.mark.parametrize("case", cases("densenet"), ids=str)
def test_densenet(case, check):
    check(case)
