"""Training speed by OpenMP thread count and wait policy, quiet and beside busy processes.

    .venv/bin/python -m benchmarks.threads [--steps 150] [--rounds 3] [--busy 2]
                                           [--settings default passive spin=10000 ...]

torch's CPU build runs its intra-op parallelism on GNU OpenMP (libgomp; see
``torch.__config__.parallel_info()``). A libgomp thread that waits at the end
of a parallel region spins first (``GOMP_SPINCOUNT`` iterations: 300,000 by
default, about 3 ms; none with ``OMP_WAIT_POLICY=PASSIVE``) and then sleeps.
On a quiet machine spinning saves the wake-up; beside other work a spinning
thread holds a core that the thread it waits for needs.

Each setting trains LeNet+BN (the reference, the training check's recipe:
batch 256, the first ``--steps`` steps) in a fresh process, with nothing
else running ("quiet") and beside ``--busy`` processes that loop in Python
("loaded"). Settings and conditions run in turns (``--rounds``), in
examples/s of training (start-up and data loading excluded). Quiet is the
best round (on a shared machine the least disturbed one), loaded the median
of its rounds. Printed: each, its ratio to the first setting, loaded / quiet
and every round.

The grader's choice lives in ``grader/threads.py``; this script chose it.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_SETTINGS = ["default", "passive", "spin=0", "spin=1000", "spin=10000", "spin=30000", "spin=100000",
                    "1 thread"]
OMP_VARIABLES = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_NUM_THREADS", "GRADER_OMP")


def environment(setting: str, threads: int) -> dict:
    """A clean environment for ``setting``: libgomp's defaults unless the setting says otherwise."""
    env = {k: v for k, v in os.environ.items() if k not in OMP_VARIABLES}
    env["GRADER_OMP"] = "default"            # grader/threads.py: leave libgomp's defaults alone
    env["OMP_NUM_THREADS"] = str(threads)
    if setting == "passive":
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    elif setting.startswith("spin="):
        env["GOMP_SPINCOUNT"] = setting.split("=", 1)[1]
    elif setting == "1 thread":
        env["OMP_NUM_THREADS"] = "1"
    elif setting == "grader":               # what grader/threads.py sets
        del env["GRADER_OMP"]
        del env["OMP_NUM_THREADS"]
    elif setting != "default":
        raise SystemExit(f"unknown setting {setting!r} (default, passive, spin=N, 1 thread, grader)")
    return env


def worker(module: str, steps: int, batch_size: int) -> None:
    """In a fresh process: train ``module``'s reference for ``steps`` steps; print one JSON line."""
    if os.environ.get("GRADER_OMP") != "default":
        from grader import threads
        threads.configure_environment()
    import torch
    from dataclasses import replace

    from grader import recipes, train
    from grader import data as fmnist
    from grader.build import build, load_module
    from grader.spec import NETWORKS
    dataset = fmnist.load_fashion_mnist(download=False)
    recipe = replace(recipes.check_recipe(module, "cpu"), batch_size=batch_size)
    torch.manual_seed(0)
    model = build(load_module(ROOT / "solutions", module), NETWORKS[module].call, "cpu")
    result = train.fit(model, dataset, recipe, device="cpu", steps=steps, test_images=256, evaluate_epochs=False,
                       progress=False)
    print(json.dumps({"examples_per_sec": result["examples_per_sec"], "threads": torch.get_num_threads()}))


def busy_loops(count: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.kill()
    for process in processes:
        process.wait()


def measure(setting: str, threads: int, module: str, steps: int, batch_size: int) -> float:
    output = subprocess.run([sys.executable, "-m", "benchmarks.threads", "--worker", "--module", module,
                             "--steps", str(steps), "--batch-size", str(batch_size)],
                            cwd=ROOT, env=environment(setting, threads), capture_output=True, text=True)
    if output.returncode != 0:
        raise SystemExit(f"{setting}: the training run failed:\n{output.stderr}")
    return json.loads(output.stdout.strip().splitlines()[-1])["examples_per_sec"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", nargs="+", default=DEFAULT_SETTINGS,
                        help="default, passive, spin=N (GOMP_SPINCOUNT), '1 thread', grader (grader/threads.py)")
    parser.add_argument("--module", default="batch_norm")
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--busy", type=int, default=2, help="busy-loop processes beside the loaded runs")
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    if args.worker:
        worker(args.module, args.steps, args.batch_size)
        return 0

    import torch
    print(f"{args.module}, batch {args.batch_size}, {args.steps} steps per run, {args.threads} threads "
          f"unless said; torch {torch.__version__}, {len(os.sched_getaffinity(0))} CPUs; "
          f"load average {os.getloadavg()[0]:.2f} at the start", flush=True)
    cells: dict[tuple[str, str], list[float]] = {}
    for number in range(args.rounds):
        for condition in ("quiet", "loaded"):
            loops = busy_loops(args.busy) if condition == "loaded" else []
            try:
                time.sleep(0.5 if loops else 0)
                for setting in args.settings:
                    speed = measure(setting, args.threads, args.module, args.steps, args.batch_size)
                    cells.setdefault((setting, condition), []).append(speed)
            finally:
                stop(loops)
        print(f"round {number + 1}/{args.rounds} done, load average {os.getloadavg()[0]:.2f}", flush=True)

    median = {key: statistics.median(values) for key, values in cells.items()}
    best = {key: max(values) for key, values in cells.items()}
    first = args.settings[0]
    print(f"\n{'setting':<14} {'quiet: best':>11} {'vs ' + first[:7]:>10} {'median':>8} {'loaded: median':>14} "
          f"{'vs ' + first[:7]:>10} {'loaded/quiet':>12}   rounds (quiet | loaded)")
    for setting in args.settings:
        quiet, loaded = best[(setting, "quiet")], median[(setting, "loaded")]
        print(f"{setting:<14} {quiet:>11,.0f} {quiet / best[(first, 'quiet')]:>10.2f} "
              f"{median[(setting, 'quiet')]:>8,.0f} {loaded:>14,.0f} {loaded / median[(first, 'loaded')]:>10.2f} "
              f"{loaded / quiet:>12.2f}   "
              + " ".join(f"{v:,.0f}" for v in cells[(setting, "quiet")]) + " | "
              + " ".join(f"{v:,.0f}" for v in cells[(setting, "loaded")]))
    print(f"(quiet: the best round, the least disturbed by anything else on the machine; loaded: the median; "
          f"ratios to {first!r}, loaded/quiet = loaded median / quiet best; load average {os.getloadavg()[0]:.2f} "
          "at the end)")
    if args.json:
        Path(args.json).write_text(json.dumps({f"{s}|{c}": v for (s, c), v in cells.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
