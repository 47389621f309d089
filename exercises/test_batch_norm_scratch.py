"""Visible tests of batch_norm_scratch.py (LeNet with BatchNorm from scratch): table, parameters, BatchNorm shapes.

Run: pytest exercises/test_batch_norm_scratch.py   (or: pytest exercises -m batch_norm_scratch)
"""
if __name__ == "__main__":     # `python exercises/test_batch_norm_scratch.py`: the same as pytest on this file
    import subprocess
    import sys
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", __file__, *sys.argv[1:]]))

import pytest  # noqa: E402

from grader.visible import cases  # noqa: E402

pytestmark = pytest.mark.batch_norm_scratch


@pytest.mark.parametrize("case", cases("batch_norm_scratch"), ids=str)
def test_batch_norm_scratch(case, check):
    check(case)
