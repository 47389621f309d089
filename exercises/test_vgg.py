"""Visible tests of vgg.py (VGG-11): the book's layer table, parameter count and examples.

Run: pytest exercises/test_vgg.py   (or: pytest exercises -m vgg)
"""
import pytest

from grader.visible import cases

pytestmark = pytest.mark.vgg


@pytest.mark.parametrize("case", cases("vgg"), ids=str)
def test_vgg(case, check):
    check(case)
