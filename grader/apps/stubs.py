"""``python -m grader stubs [--check]``: regenerate ``exercises/`` from ``solutions/`` (``grader/stubgen.py``)."""
from __future__ import annotations

from ..stubgen import ROOT, stale_stubs, write_stubs


def configure(parser):
    parser.add_argument("--check", action="store_true",
                        help="only report stubs that differ from what solutions/ generate; exit 1 if any")


def main(args) -> int:
    if args.check:
        stale = stale_stubs()
        for module in stale:
            print(f"exercises/{module}.py is out of date: run python -m grader stubs")
        return 1 if stale else 0
    for path in write_stubs():
        print(f"wrote {path.relative_to(ROOT)}")
    return 0
