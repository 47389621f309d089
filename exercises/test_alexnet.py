"""Visible tests of alexnet.py (AlexNet): the book's layer table, parameter count and examples.

Run: pytest exercises/test_alexnet.py   (or: pytest exercises -m alexnet)
"""
import pytest

from grader.visible import cases

pytestmark = pytest.mark.alexnet


@pytest.mark.parametrize("case", cases("alexnet"), ids=str)
def test_alexnet(case, check):
    check(case)
