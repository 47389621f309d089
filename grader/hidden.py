"""Which of the grader's files are hidden from students: their lines never appear in what a submission prints."""
from __future__ import annotations

from pathlib import Path

GRADER_DIR = Path(__file__).resolve().parent
HIDDEN_SOURCES = ("strategies.py", "grade.py", "apps/grade.py", "probes.py", "sandbox/*.py",
                  "computation/canonical.py", "computation/diagnose.py", "checking/*.py", "hidden_tests/*.py")


def hidden_files() -> list[Path]:
    return sorted(path for pattern in HIDDEN_SOURCES for path in GRADER_DIR.glob(pattern))
