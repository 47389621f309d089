"""Visible tests of vgg.py (VGG-11): the book's layer table, parameter count and examples.

Run: pytest exercises/test_vgg.py   (or: pytest exercises -m vgg)
"""
if __name__ == "__main__":     # `python exercises/test_vgg.py`: the same as pytest on this file
    import subprocess
    import sys
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", __file__, *sys.argv[1:]]))

import pytest  # noqa: E402

from grader.visible import cases  # noqa: E402

pytestmark = pytest.mark.vgg


@pytest.mark.parametrize("case", cases("vgg"), ids=str)
def test_vgg(case, check):
    check(case)
