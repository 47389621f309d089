"""Visible tests of googlenet.py (GoogLeNet): the book's layer table, parameter count and examples.

Run: pytest exercises/test_googlenet.py   (or: pytest exercises -m googlenet)
"""
import pytest

from grader.visible import cases

pytestmark = pytest.mark.googlenet


@pytest.mark.parametrize("case", cases("googlenet"), ids=str)
def test_googlenet(case, check):
    check(case)
