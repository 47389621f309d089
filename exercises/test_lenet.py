"""Visible tests of lenet.py (LeNet): the book's layer table, parameter count and examples.

Run: pytest exercises/test_lenet.py   (or: pytest exercises -m lenet)
"""
import pytest

from grader.visible import cases

pytestmark = pytest.mark.lenet


@pytest.mark.parametrize("case", cases("lenet"), ids=str)
def test_lenet(case, check):
    check(case)
