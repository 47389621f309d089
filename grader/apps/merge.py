"""``python -m grader merge DIR... --out DIR``: one class from the parts of a split batch (``grader/merge.py``)."""
from __future__ import annotations

import sys
from pathlib import Path

from ..merge import MergeError, merge


def configure(parser):
    parser.add_argument("folders", nargs="+", metavar="DIR", help="the --out folders of the batch --shard runs")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="where the class's grades.csv, summary and students/ go (may be one of the DIRs)")


def main(args) -> int:
    try:
        merge([Path(f) for f in args.folders], Path(args.out))
    except MergeError as error:
        print(f"merge: {error}", file=sys.stderr)
        return 2
    return 0
