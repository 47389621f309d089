"""A builder that misreads one of its arguments is named by that argument (issue 26, item 3).

``grader/checking/arguments.py`` calls the book's builder with the argument
read otherwise (a boolean flipped, its default, two arguments exchanged, a
pair in the other order) and names the reading under which the book computes
exactly what the student's block does.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.grade import grade_submission

ROOT = Path(__file__).resolve().parent.parent

# (module, the book's line, the student's line, the argument the report must name)
MISREAD = {
    "use_1x1conv inverted": ("resnet", "        if use_1x1conv:\n", "        if not use_1x1conv:\n",
                             "use_1x1conv=True acts as use_1x1conv=False"),
    "first_block ignored": ("resnet", "        if i == 0 and not first_block:", "        if i == 0:",
                            "first_block=True acts as first_block=False"),
}


@pytest.mark.parametrize("case", sorted(MISREAD))
def test_the_misread_argument_is_named(case, tmp_path):
    module, book_line, student_line, named = MISREAD[case]
    source = (ROOT / "solutions" / f"{module}.py").read_text()
    assert book_line in source
    (tmp_path / f"{module}.py").write_text(source.replace(book_line, student_line))
    report = grade_submission(tmp_path, (module,), train=False)
    text = report.text("en")
    assert text.count(named) >= 1, text
    assert "set stride" not in text, text
