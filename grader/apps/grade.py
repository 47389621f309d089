"""``python -m grader grade SUBMISSION_DIR``: run the hidden checks and score a submission (``grader/grade.py``)."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ..grade import GraderBroken, grade_submission, resolve_device
from ..options import add_grading_options, add_lang_option, readable_folder, selected_modules
from ..sandbox import Limits, start_zygote


def configure(parser):
    parser.add_argument("submission", help="folder with the student's module files")
    parser.add_argument("--json", metavar="FILE", help="write Gradescope-style results.json here")
    add_lang_option(parser, None, "the report (default en) and of --json's messages (default both)")
    parser.add_argument("--checks", metavar="DIR", help="a folder of the course's own hidden checks (pytest "
                        "tests, see docs/instructors/grading.md); the same as D2L_KIT_CHECKS")
    add_grading_options(parser)


def main(args) -> int:
    if args.checks:
        os.environ["D2L_KIT_CHECKS"] = str(Path(args.checks).resolve())
    modules = selected_modules(args.only, "grade")
    if modules is None:
        return 2
    submission = readable_folder(args.submission, "grade")
    if submission is None:
        return 2
    try:
        start_zygote()      # before torch is imported here (to find a GPU): both load it at once
        report = grade_submission(submission, modules, train=not args.no_train,
                                  limits=Limits(args.timeout, args.memory),
                                  train_limits=Limits(args.train_timeout, args.memory),
                                  device=resolve_device(args.device) if not args.no_train else "cpu")
    except GraderBroken as error:
        print(f"grade: the grader could not run: {error}", file=sys.stderr)
        return 3
    print(report.text(args.lang or "en"))
    if args.json:
        Path(args.json).write_text(json.dumps(report.gradescope(args.lang or "both"), ensure_ascii=False, indent=1),
                                   encoding="utf-8")
    return 0
