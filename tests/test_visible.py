"""The visible tests agree with the grader, and say where a forward pass that raises broke (issue 26).

``exercises/test_*.py`` run ``grader/visible.py`` in the student's own process.
Their parameter count is the parameters the forward pass uses, as the grader's
(which measures the network the pass computes): a layer registered and never
called does not count. A pass that raises on the meta device gets torch's
terse message ("a and b must have same reduction dim"): the report adds which
of the student's operations raised, in their names, and what it was given.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from grader import visible
from grader.grade import grade_submission
from grader.report import CheckFailure

ROOT = Path(__file__).resolve().parent.parent
LENET = (ROOT / "solutions" / "lenet.py").read_text()


KEPT = """

class Kept(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net
        self.spare = nn.Linear(1000, 1000)      # registered, never called

    def forward(self, x):
        return self.net(x)
"""


def submit(tmp_path: Path, source: str) -> Path:
    (tmp_path / "lenet.py").write_text(source)
    return tmp_path


def test_a_layer_registered_and_never_used_counts_for_neither(tmp_path):
    """An unused Linear kept in the network: the same function as the book's, full marks in both."""
    source = LENET.replace("    return nn.Sequential(\n", "    return Kept(nn.Sequential(\n", 1).replace(
        "        nn.Linear(84, 10))\n", "        nn.Linear(84, 10)))\n", 1) + KEPT
    folder = submit(tmp_path, source)
    for case in visible.cases("lenet"):
        if case.kind == "params":
            visible.run(folder, case)           # raises CheckFailure if the count differs
    report = grade_submission(folder, ("lenet",), train=False)
    assert [r.name for r in report.results if r.kind == "params" and r.score < r.max_score] == [], \
        report.text("en")


def test_a_pass_that_raises_says_which_of_their_operations_raised_and_what_it_was_given(tmp_path):
    folder = submit(tmp_path, LENET.replace("        nn.Flatten(),\n", ""))
    table = next(case for case in visible.cases("lenet") if case.kind == "table")
    with pytest.raises(CheckFailure) as failure:
        visible.run(folder, table)
    assert "raised in Linear(400 -> 120) in layer 7 (Linear), given [1, 16, 5, 5]" in str(failure.value)
