"""Wall time of grading one submission with --no-train, torch start-up included.

    .venv/bin/python benchmarks/grading.py [--repeat 3]

Grades the reference solutions and the untouched stubs with the command
line, in fresh processes, and prints each wall time and its ratio to the
30-second budget of the grader's issue. Timings on shared machines are
noisy: the script reports the best and the median of the repeats.
"""
import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 30.0


def wall_time(submission: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader", "grade", submission, "--no-train"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for name in ("solutions", "exercises"):
        times = [wall_time(name) for _ in range(args.repeat)]
        best, median = min(times), statistics.median(times)
        print(f"grade {name:<10} --no-train: best {best:5.1f} s, median {median:5.1f} s "
              f"over {args.repeat} runs  (budget {BUDGET_S:.0f} s: {median / BUDGET_S:.2f} of it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
