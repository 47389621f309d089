"""Visible tests of resnet.py (ResNet-18): the book's layer table, parameter count and examples.

Run: pytest exercises/test_resnet.py   (or: pytest exercises -m resnet)
"""
import pytest

from grader.visible import cases

pytestmark = pytest.mark.resnet


@pytest.mark.parametrize("case", cases("resnet"), ids=str)
def test_resnet(case, check):
    check(case)
