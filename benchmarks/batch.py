"""Wall time of ``python -m grader batch`` on a generated class, torch start-up included.

    .venv/bin/python benchmarks/batch.py [--students 100] [--jobs N] [--unique] [--keep DIR]

Generates a class of submissions (default 100) and grades it with
``python -m grader batch --no-train`` in a fresh process, then prints the
total wall time, seconds per submission (wall and CPU, the batch's whole
process tree) and the class summary the batch wrote.

The class: each student gets through the first k of the seven networks (k
drawn so that most finish most of them) and leaves the rest as untouched
stubs. Each network a student did is correct (the reference solution or one
of the alternative styles in tests/corpus/alternatives/) or carries one of
the typical mistakes of tests/corpus/mutants.py; a few files are missing.
One student in five hands in a .zip of an ``exercises/`` folder, the others a
folder.

Identical files are graded once per batch, as in a real class where many
students hand in the same untouched stubs. ``--unique`` appends a
student-specific comment to every file, so that no two files are the same
and nothing is shared: the worst case, every file graded afresh.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "corpus"))
sys.path.insert(0, str(ROOT))

import mutants  # noqa: E402  (tests/corpus/mutants.py)
from grader.spec import MODULES  # noqa: E402

STYLES = ["solutions"] + sorted(p.name for p in (ROOT / "tests" / "corpus" / "alternatives").iterdir()
                                if p.is_dir())


def style_dir(style: str) -> Path:
    return ROOT / "solutions" if style == "solutions" else ROOT / "tests" / "corpus" / "alternatives" / style


def student_files(rng: random.Random) -> dict[str, str | None]:
    """module -> source (None: file missing) for one student."""
    done = min(7, max(0, round(rng.triangular(0, 7.4, 7))))
    files: dict[str, str | None] = {}
    for index, module in enumerate(MODULES):
        if rng.random() < 0.03:
            files[module] = None
        elif index >= done:
            files[module] = (ROOT / "exercises" / f"{module}.py").read_text(encoding="utf-8")
        elif rng.random() < 0.6:
            files[module] = (style_dir(rng.choice(STYLES)) / f"{module}.py").read_text(encoding="utf-8")
        else:
            mutant = rng.choice([m for m in mutants.MUTANTS if m.module == module])
            files[module] = mutants.patched_source(mutant)
    return files


def generate(dest: Path, students: int, unique: bool, seed: int) -> None:
    rng = random.Random(seed)
    for number in range(1, students + 1):
        student = f"s{number:03d}"
        files = {m: s for m, s in student_files(rng).items() if s is not None}
        if unique:
            files = {m: s + f"\n# handed in by {student}\n" for m, s in files.items()}
        if number % 5 == 0:
            with zipfile.ZipFile(dest / f"{student}.zip", "w", zipfile.ZIP_DEFLATED) as archive:
                for module, source in files.items():
                    archive.writestr(f"exercises/{module}.py", source)
        else:
            (dest / student).mkdir()
            for module, source in files.items():
                (dest / student / f"{module}.py").write_text(source, encoding="utf-8")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def adopt_orphans() -> bool:
    """Become a child subreaper, so that helper processes orphaned inside the batch (e.g. the sandbox's
    zygote after its worker exits) are re-parented here and their CPU time is counted when reaped."""
    try:
        import ctypes
        return ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0    # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def reap_orphans(seconds: float = 10.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=None, help="passed to grader batch (default: its own)")
    parser.add_argument("--unique", action="store_true", help="make every file distinct (no sharing)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", metavar="DIR", help="keep submissions and results in DIR")
    args = parser.parse_args()

    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="batch-bench-"))
    submissions, out = base / "submissions", base / "out"
    for path in (submissions, out):
        if path.exists():
            shutil.rmtree(path)
    submissions.mkdir(parents=True)
    generate(submissions, args.students, args.unique, args.seed)

    command = [sys.executable, "-m", "grader", "batch", str(submissions), "--out", str(out), "--no-train"]
    if args.jobs:
        command += ["--jobs", str(args.jobs)]
    counted = adopt_orphans()
    load = os.getloadavg()[0]
    cpu = children_cpu()
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    reap_orphans()
    cpu = children_cpu() - cpu
    if result.returncode != 0:
        print(result.stdout, result.stderr, sep="\n")
        return result.returncode
    print(result.stderr.strip().splitlines()[-1])
    print(f"\n{args.students} submissions{' (every file unique)' if args.unique else ''}, --no-train, "
          f"jobs={args.jobs or 'default'}: wall {wall:.1f} s = {wall / args.students:.2f} s per submission; "
          f"CPU {cpu:.1f} s = {cpu / args.students:.2f} s per submission{'' if counted else ' (helpers not counted)'} "
          f"(target: 100 in 300 s); load average {load:.1f} before, {os.getloadavg()[0]:.1f} after "
          f"on {os.cpu_count()} CPUs")
    print("\n" + (out / "summary.txt").read_text(encoding="utf-8"))
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
