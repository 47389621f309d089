"""``python -m grader nbgrader COURSE_DIR``: create or refresh an nbgrader course (``grader/jupyter/course.py``)."""
from __future__ import annotations

import re
import sys
from pathlib import Path

from ..jupyter.course import DEFAULT_ASSIGNMENT, git_exposure, write_course
from ..jupyter.kernel import KERNEL_NAME, install_kernelspec, sandbox_unavailable
from ..options import add_grading_options, add_lang_option, selected_modules
from ..sandbox import Limits


def configure(parser):
    parser.add_argument("course", metavar="COURSE_DIR", help="the nbgrader course directory (created if missing)")
    parser.add_argument("--assignment", default=DEFAULT_ASSIGNMENT,
                        help="assignment name: notebooks go to source/NAME/ (default %(default)s)")
    # --device: where the grading machine trains; the course has training cells only for
    # the networks whose training check runs there.
    add_grading_options(parser, devices=("cpu", "cuda"), default_device="cpu")
    add_lang_option(parser, "both", "the grade cells' messages (default %(default)s)")


def main(args) -> int:
    modules = selected_modules(args.only, "nbgrader")
    if modules is None:
        return 2
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", args.assignment):
        print(f"nbgrader: the assignment name {args.assignment!r} may only use letters, digits, _ . -",
              file=sys.stderr)
        return 2
    options = {"train": not args.no_train, "device": args.device, "timeout": args.timeout,
               "train_timeout": args.train_timeout, "memory": args.memory, "lang": args.lang}
    given = [f"{Path(args.course)}", f"--assignment {args.assignment}"]
    if args.only:
        given.append(f"--only {','.join(modules)}")
    if args.no_train:
        given.append("--no-train")
    defaults = {"device": "cpu", "timeout": Limits.timeout, "train_timeout": 300.0, "memory": Limits.memory_mb,
                "lang": "both"}
    given += [f"--{key.replace('_', '-')} {getattr(args, key):g}" if not isinstance(getattr(args, key), str)
              else f"--{key} {getattr(args, key)}" for key, value in defaults.items() if getattr(args, key) != value]
    course = Path(args.course)
    try:
        written = write_course(course, args.assignment, modules, options, " ".join(given))
        install_kernelspec()
    except (OSError, ValueError) as error:
        print(f"nbgrader: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    print(f"installed the Jupyter kernel {KERNEL_NAME!r} ({sys.executable})")
    why = sandbox_unavailable()
    if why:
        print(f"nbgrader: warning: the notebooks' kernel cannot be sandboxed on this machine ({why}); "
              "nbgrader autograde will grade every notebook without running it (the grades are the same, "
              "the feedback has no outputs of the students' cells)", file=sys.stderr)
    exposure = git_exposure(course, args.assignment)
    if exposure:
        print(exposure, file=sys.stderr)
    print(f"next: cd {course} && nbgrader generate_assignment {args.assignment}")
    return 0
