"""Other people's correct code gets full marks; public code that computes something else loses points.

The corpus is ``tests/corpus/public/`` (provenance and licences in its README; ``verify.py``
checks each file numerically against the reference, with the reference's weights copied in).
"""
from pathlib import Path

import pytest

from grader import visible
from grader.checking.points import design_points
from grader.grade import grade_submission
from grader.spec import MODULES

PUBLIC = Path(__file__).resolve().parent / "corpus" / "public"
EQUIVALENT = [(folder, module) for folder in sorted(p for p in PUBLIC.iterdir() if p.is_dir())
              if folder.name != "DIFFERENT" for module in MODULES if (folder / f"{module}.py").is_file()]
DIFFERENT = [(folder, module) for folder in sorted((PUBLIC / "DIFFERENT").iterdir()) if folder.is_dir()
             for module in MODULES if (folder / f"{module}.py").is_file()]


def test_the_corpus_covers_every_network():
    assert {m for _, m in EQUIVALENT} == set(MODULES) and len(EQUIVALENT) >= 25
    assert len(DIFFERENT) >= 10


@pytest.mark.parametrize("folder, module", EQUIVALENT, ids=lambda v: v.name if isinstance(v, Path) else v)
def test_equivalent_public_code_gets_full_marks(folder, module):
    report = grade_submission(folder, modules=(module,), train=False)
    failed = [(r.name, r.output[:600]) for r in report.results if r.status == "failed"]
    assert not failed and report.score == design_points(module), failed


@pytest.mark.parametrize("folder, module", DIFFERENT, ids=lambda v: v.name if isinstance(v, Path) else v)
def test_public_code_that_differs_loses_points(folder, module):
    report = grade_submission(folder, modules=(module,), train=False)
    assert report.score < design_points(module)


@pytest.mark.parametrize("folder, module", EQUIVALENT, ids=lambda v: v.name if isinstance(v, Path) else v)
def test_equivalent_public_code_passes_the_visible_tests(folder, module):
    """The visible tests follow the same rule: shapes are judged on the computation, not the grouping."""
    for case in visible.cases(module):
        visible.run(folder, case)
