"""``python -m grader release OUT_DIR``: write the student bundle (``grader/release.py``)."""
from __future__ import annotations

import sys
from pathlib import Path

from ..release import ReleaseError, write_bundle


def configure(parser):
    parser.add_argument("out", metavar="OUT_DIR", help="folder to write the student bundle into")
    parser.add_argument("--force", action="store_true",
                        help="replace the contents of OUT_DIR even if it holds something else")


def main(args) -> int:
    try:
        written = write_bundle(Path(args.out), force=args.force)
    except ReleaseError as error:
        print(f"release: {error}", file=sys.stderr)
        return 3
    out = Path(args.out)
    print(f"wrote {len(written)} files to {out}/ (audited: no solution line, no hidden check):")
    for path in written:
        print(f"  {path.relative_to(out)}")
    print(f"Students: a virtual environment with torch (CPU-only wheels without an NVIDIA GPU) and "
          f"requirements.txt, then pytest exercises/test_lenet.py (see {out / 'README.md'}).")
    return 0
