"""Visible tests of nin.py (NiN): the book's layer table, parameter count and examples.

Run: pytest exercises/test_nin.py   (or: pytest exercises -m nin)
"""
import pytest

from grader.visible import cases

pytestmark = pytest.mark.nin


@pytest.mark.parametrize("case", cases("nin"), ids=str)
def test_nin(case, check):
    check(case)
