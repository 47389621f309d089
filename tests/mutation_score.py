"""Print the mutation score of the hidden grader on the corpus in tests/corpus.

    .venv/bin/python tests/mutation_score.py

For every mutant: the points the grader takes off on its network (without
training) and which kinds of check noticed it. Invisible mutants are the
ones the visible tests cannot see.
"""
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.checking.points import POINTS                       # noqa: E402
from grader.grade import grade_submission              # noqa: E402
from tests.corpus.mutants import MUTANTS, materialize  # noqa: E402


def main() -> int:
    started = time.monotonic()
    killed, per_module = 0, Counter()
    with tempfile.TemporaryDirectory() as scratch:
        for mutant in MUTANTS:
            report = grade_submission(materialize(mutant, Path(scratch) / mutant.id),
                                      modules=(mutant.module,), train=False)
            full = sum(v for k, v in POINTS[mutant.module].items() if k != "training")
            lost = full - report.score
            kinds = sorted({r.kind for r in report.results if r.status == "failed"})
            killed += lost > 0
            per_module[mutant.module, lost > 0] += 1
            print(f"{'killed' if lost > 0 else 'ALIVE '} {mutant.id:<32} {'invisible' if mutant.invisible else 'visible  '}"
                  f" -{lost:<5g} {','.join(kinds)}")
    invisible = [m for m in MUTANTS if m.invisible]
    print(f"\nmutation score: {killed}/{len(MUTANTS)} killed "
          f"({len(invisible)} invisible to shapes and parameter counts), {time.monotonic() - started:.0f} s")
    for module in POINTS:
        print(f"  {module:<11} {per_module[module, True]} killed, {per_module[module, False]} alive")
    return 0 if killed == len(MUTANTS) else 1


if __name__ == "__main__":
    sys.exit(main())
