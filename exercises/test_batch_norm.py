"""Visible tests of batch_norm.py (LeNet with BatchNorm): the book's layer table, parameter count and examples.

Run: pytest exercises/test_batch_norm.py   (or: pytest exercises -m batch_norm)
"""
import pytest

from grader.visible import cases

pytestmark = pytest.mark.batch_norm


@pytest.mark.parametrize("case", cases("batch_norm"), ids=str)
def test_batch_norm(case, check):
    check(case)
