"""Visible tests of nin.py (NiN): the book's layer table, parameter count and examples.

Run: pytest exercises/test_nin.py   (or: pytest exercises -m nin)
"""
if __name__ == "__main__":     # `python exercises/test_nin.py`: the same as pytest on this file
    import subprocess
    import sys
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", __file__, *sys.argv[1:]]))

import pytest  # noqa: E402

from grader.visible import cases  # noqa: E402

pytestmark = pytest.mark.nin


@pytest.mark.parametrize("case", cases("nin"), ids=str)
def test_nin(case, check):
    check(case)
