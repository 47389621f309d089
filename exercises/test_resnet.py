"""Visible tests of resnet.py (ResNet-18): the book's layer table, parameter count and examples.

Run: pytest exercises/test_resnet.py   (or: pytest exercises -m resnet)
"""
if __name__ == "__main__":     # `python exercises/test_resnet.py`: the same as pytest on this file
    import subprocess
    import sys
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", __file__, *sys.argv[1:]]))

import pytest  # noqa: E402

from grader.visible import cases  # noqa: E402

pytestmark = pytest.mark.resnet


@pytest.mark.parametrize("case", cases("resnet"), ids=str)
def test_resnet(case, check):
    check(case)
