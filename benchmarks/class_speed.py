"""Grading a class on this machine, in one run: training speed quiet and loaded, batch's parallelism, cost per file.

    .venv/bin/python -m benchmarks.class_speed [--train-students 8] [--students 20] [--rounds 1]
                                               [--skip training,batch,cpu,grade] [--json FILE]

Prints, with the load average before and after each part:

1. **Training** (``python -m grader train batch_norm --epochs 1``, LeNet+BN,
   one epoch, in a fresh process): examples/s with the kit's settings
   (``grader/threads.py``) quiet and beside two busy-loop processes, and
   their ratio (target >= 0.45); the same with libgomp's own defaults
   (``GRADER_OMP=default``, the kit before its thread settings), and the
   kit's quiet speed over that (target >= 0.9). A third condition starts the
   busy loops 2 s after training has started: the trainer must notice load
   that begins later (``threads.FollowTheLoad``). Rounds alternate which
   setting runs first.
2. **batch with training** on ``--train-students`` generated submissions
   (default 8) whose LeNet, LeNet+BN and ResNet files all differ: ``--jobs 1``
   against batch's default parallelism (the line that says how many run at
   once and why is shown), wall times and their ratio (target: default <= 1).
   Each run starts with an empty reference cache of its own.
3. **CPU per distinct submission without training**: ``batch --no-train`` on
   ``--students`` generated submissions of the seven networks with every file
   distinct (``benchmarks/batch.py --unique``'s class), CPU seconds of the
   whole process tree per submission, and wall seconds per submission
   (target <= 3).
4. **One complete submission without training**: ``grade solutions --no-train``
   in a fresh process, the reference's observations cached on disk
   (``grader/reference_cache.py``; a first call fills the cache), wall time
   (target <= 10 s).

A busy machine makes every number noisy (the load average is printed): compare
numbers from one run only.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "corpus"))
sys.path.insert(0, str(ROOT))

import mutants  # noqa: E402  (tests/corpus/mutants.py)
from benchmarks import batch as batch_bench  # noqa: E402

TRAINED = ("lenet", "batch_norm", "resnet")          # the networks that train on a CPU
OMP_VARIABLES = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_NUM_THREADS", "GRADER_OMP", "GRADER_TRAIN_THREADS")


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in OMP_VARIABLES and k != "PYTHONPATH"}
    env.update(extra)
    return env


# -- 1. training ------------------------------------------------------------------------------

LATE = 2.0          # seconds of training before the busy loops of the "load starts later" condition start
QUIET, LOADED, LATE_LOAD = CONDITIONS = ("quiet", "beside 2 busy loops", f"busy loops from {LATE:g} s in")


def train_speed(env: dict, load_after: float | None = None) -> float:
    """One epoch of LeNet+BN in a fresh process; with ``load_after``, two busy loops start that many seconds
    after its training does (the trainer prints "training on" just before it starts)."""
    trainer = subprocess.Popen([sys.executable, "-m", "grader", "train", "batch_norm", "--epochs", "1", "--quiet",
                                "--no-download", "--device", "cpu"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)     # one pipe: it cannot fill unread
    loops, lines = [], []
    try:
        for line in trainer.stdout:
            lines.append(line)
            if load_after is not None and not loops and line.startswith("training on"):
                time.sleep(load_after)
                loops = busy()
        trainer.wait()
    finally:
        stop(loops)
    stdout = "".join(lines)
    found = re.search(r"([\d.]+) examples/sec", stdout)
    if trainer.returncode != 0 or not found:
        raise SystemExit(f"grader train failed:\n{stdout}")
    return float(found.group(1))


def busy(count: int = 2) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def stop(processes) -> None:
    for p in processes:
        p.kill()
    for p in processes:
        p.wait()


def training(rounds: int) -> dict:
    settings = {"kit": clean_env(), "libgomp defaults": clean_env(GRADER_OMP="default")}
    cells: dict[tuple[str, str], list[float]] = {}
    for number in range(rounds):
        order = list(settings) if number % 2 == 0 else list(reversed(settings))   # drift falls on both alike
        for condition in CONDITIONS:
            loops = busy() if condition == LOADED else []
            try:
                for name in order:
                    late = LATE if condition == LATE_LOAD else None
                    cells.setdefault((name, condition), []).append(train_speed(settings[name], late))
            finally:
                stop(loops)
    median = {k: statistics.median(v) for k, v in cells.items()}
    print("\n1. LeNet+BN, one epoch (python -m grader train batch_norm --epochs 1), examples/s"
          f"{f' (median of {rounds})' if rounds > 1 else ''}:")
    for name in settings:
        quiet, loaded, late = (median[(name, condition)] for condition in CONDITIONS)
        print(f"   {name:<17} quiet {quiet:>8,.0f}   beside two busy loops {loaded:>8,.0f} "
              f"(loaded/quiet {loaded / quiet:.2f})   busy loops from {LATE:g} s in {late:>8,.0f} "
              f"({late / quiet:.2f})")
    ratio = median[("kit", QUIET)] / median[("libgomp defaults", QUIET)]
    print(f"   kit quiet / libgomp defaults quiet: {ratio:.2f} (target >= 0.9); kit loaded/quiet: "
          f"{median[('kit', LOADED)] / median[('kit', QUIET)]:.2f} (target >= 0.45); "
          f"load average now {load()}")
    return {f"{n}|{c}": v for (n, c), v in cells.items()}


# -- 2. batch with training -------------------------------------------------------------------

def training_class(dest: Path, students: int, seed: int = 0) -> None:
    """Every student's LeNet, LeNet+BN and ResNet: a correct style or a mistake, each file distinct."""
    rng = random.Random(seed)
    for number in range(1, students + 1):
        folder = dest / f"t{number:02d}"
        folder.mkdir(parents=True)
        for module in TRAINED:
            if rng.random() < 0.7:
                source = (batch_bench.style_dir(rng.choice(batch_bench.STYLES)) / f"{module}.py").read_text()
            else:
                source = mutants.patched_source(rng.choice([m for m in mutants.MUTANTS if m.module == module]))
            (folder / f"{module}.py").write_text(source + f"\n# handed in by t{number:02d}\n")


def timed_batch(submissions: Path, out: Path, *args, reference_cache: Path | None = None) -> tuple[float, float, str]:
    """(wall s, CPU s of the process tree, batch's stderr). ``reference_cache``: a folder of the reference's
    observations for this run alone (``D2L_KIT_REFERENCE_CACHE``), so that two runs compared start alike."""
    if out.exists():
        shutil.rmtree(out)
    env = clean_env(**({"D2L_KIT_REFERENCE_CACHE": str(reference_cache)} if reference_cache else {}))
    cpu = batch_bench.children_cpu()
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "grader", "batch", str(submissions), "--out", str(out), *args],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    batch_bench.reap_orphans(5)
    if result.returncode != 0:
        raise SystemExit(f"batch failed:\n{result.stderr[-3000:]}")
    return wall, batch_bench.children_cpu() - cpu, result.stderr


def batch_training(base: Path, students: int) -> dict:
    subs = base / "train-class"
    training_class(subs, students)
    only = ("--only", ",".join(TRAINED), "--device", "cpu")
    print(f"\n2. batch with training, {students} submissions, {students * len(TRAINED)} distinct files "
          f"(LeNet, LeNet+BN, ResNet); load average {load()}")
    # Each run starts with no reference observation on disk: a copy of the book's network takes the
    # reference's training run (trained once, then kept), and neither run may inherit the other's.
    serial, _, log1 = timed_batch(subs, base / "out-jobs1", *only, "--jobs", "1", reference_cache=base / "ref-jobs1")
    print(f"   --jobs 1: {serial:6.1f} s ({serial / students:.1f} s per student); load average {load()}")
    default, _, log2 = timed_batch(subs, base / "out-default", *only, reference_cache=base / "ref-default")
    line = next((l for l in log2.splitlines() if "at once (" in l), "")
    print(f"   default:  {default:6.1f} s ({default / students:.1f} s per student); load average {load()}")
    print(f"      {line.strip()}")
    same = (base / "out-jobs1" / "grades.csv").read_text() == (base / "out-default" / "grades.csv").read_text()
    print(f"   default / --jobs 1 wall: {default / serial:.2f} (target <= 1); same grades.csv: {same}")
    return {"jobs1_s": serial, "default_s": default, "ratio": default / serial, "same_grades": same,
            "line": line.strip()}


# -- 3. CPU per distinct submission -----------------------------------------------------------

def cpu_per_submission(base: Path, students: int) -> dict:
    subs = base / "unique-class"
    subs.mkdir()
    batch_bench.generate(subs, students, unique=True, seed=0)
    print(f"\n3. batch --no-train, {students} submissions of the seven networks, every file distinct; "
          f"load average {load()}")
    wall, cpu, log = timed_batch(subs, base / "out-unique", "--no-train")
    summary = log.strip().splitlines()[-1]
    print(f"   {summary}")
    print(f"   wall {wall:.1f} s = {wall / students:.2f} s per submission (target <= 3); CPU {cpu:.1f} s = "
          f"{cpu / students:.2f} s per submission; load average {load()}")
    return {"wall_s": wall, "cpu_s": cpu, "students": students, "summary": summary}


# -- 4. one submission ------------------------------------------------------------------------

def one_submission(rounds: int) -> dict:
    def grade() -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "grader", "grade", "solutions", "--no-train"], cwd=ROOT,
                       env=clean_env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - started
    first = grade()
    times = [grade() for _ in range(rounds)]
    cold = clean_env(D2L_KIT_REFERENCE_CACHE="off")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader", "grade", "solutions", "--no-train"], cwd=ROOT, env=cold,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    uncached = time.perf_counter() - started
    print(f"\n4. grade solutions --no-train (seven networks), fresh process: {statistics.median(times):.1f} s with "
          f"the reference cached on disk (target <= 10 s), {uncached:.1f} s without the cache "
          f"(D2L_KIT_REFERENCE_CACHE=off), first call {first:.1f} s; load average {load()}")
    return {"cached_s": times, "uncached_s": uncached, "first_s": first}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-students", type=int, default=8)
    parser.add_argument("--students", type=int, default=20, help="submissions of part 3")
    parser.add_argument("--rounds", type=int, default=1, help="repeats of parts 1 and 4 (medians)")
    parser.add_argument("--skip", default="", help="comma-separated parts to leave out: training,batch,cpu,grade")
    parser.add_argument("--keep", metavar="DIR", help="keep the generated classes and outputs in DIR")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    counted = batch_bench.adopt_orphans()
    import torch
    print(f"{os.cpu_count()} CPUs, torch {torch.__version__}; load average {load()} (1/5/15 min) at the start"
          + ("" if counted else "; helper processes' CPU not counted"))
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="class-speed-"))
    if base.exists() and args.keep:
        shutil.rmtree(base)
    base.mkdir(parents=True, exist_ok=True)
    results = {"cpus": os.cpu_count(), "load_start": os.getloadavg()}
    try:
        if "training" not in skip:
            results["training"] = training(args.rounds)
        if "batch" not in skip:
            results["batch_training"] = batch_training(base, args.train_students)
        if "cpu" not in skip:
            results["cpu_per_submission"] = cpu_per_submission(base, args.students)
        if "grade" not in skip:
            results["one_submission"] = one_submission(args.rounds)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    results["load_end"] = os.getloadavg()
    print(f"\nload average {load()} at the end")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
