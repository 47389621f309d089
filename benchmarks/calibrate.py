"""Calibrate the grader's training check: run the reference over seeds, set targets, check broken networks fail.

    python -m benchmarks.calibrate --device cpu --seeds 0 1 2 3 4 --write
    python -m benchmarks.calibrate --device cuda --seeds 0 1 2 3 4 --write     # on a GPU machine

For each network that has a plan on the device (``grader.recipes.CHECK_RUNS``)
this runs ``grader.train.run_check`` exactly as the grader will:

1. the reference solution (``solutions/MODULE.py``), once per seed;
2. networks that cannot learn, or barely: ``constant`` (the same trainable
   scores for every image), ``frozen-features`` (every layer but the last
   Linear frozen: random features and a linear read-out), and for ResNet the
   residual bugs ``detach-residual-branch`` (``.detach()`` on the main
   branch, so its convolutions never learn) and ``detach-block-output``
   (``.detach()`` on each block's output, so nothing before the head learns),
   and for the BatchNorm from scratch ``moving-statistics-never-updated``
   (it trains, but predicts with the initial statistics 0 and 1).

The target is ``min(reference) - max(MARGIN, 4 * std(reference))``, rounded
down to 0.01: below every reference run by a margin. A broken network whose
best run reaches the target is reported as NOT SEPARATED. ``--write``
stores everything in ``grader/calibration.json`` (replacing only the entries
of the networks run, on this device).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from grader import data as fmnist  # noqa: E402
from grader import recipes, threads, train  # noqa: E402
from grader.build import build, load_module  # noqa: E402
from grader.spec import NETWORKS  # noqa: E402

MARGIN = 0.05
RULE = (f"target = min(reference) - max({MARGIN}, 4 * std(reference)), rounded down to 0.01; "
        f"reference = solutions/, one run per seed, with run_check as the grader runs it")


class Constant(nn.Module):
    """The same trainable scores for every image: learns the class prior at best."""

    def __init__(self):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, x):
        return self.bias.expand(x.shape[0], 10)


def reference(module):
    return build(load_module(ROOT / "solutions", module), NETWORKS[module].call, "cpu")


class FrozenFeatures(nn.Module):
    """The reference with every parameter but the last Linear's frozen after (re-)initialisation."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.head = [m for m in model.modules() if isinstance(m, nn.Linear)][-1]

    def forward(self, x):
        return self.model(x)


def frozen_features(module):
    model = FrozenFeatures(reference(module))
    head = set(map(id, model.head.parameters()))
    # requires_grad survives initialize(); the frozen layers keep their random weights
    for p in model.parameters():
        p.requires_grad_(id(p) in head)
    return model


def resnet_variant(forward):
    loaded = load_module(ROOT / "solutions", "resnet")
    loaded.Residual.forward = forward
    return build(loaded, NETWORKS["resnet"].call, "cpu")


def detach_residual_branch(self, X):
    Y = F.relu(self.bn1(self.conv1(X)))
    Y = self.bn2(self.conv2(Y)).detach()     # the bug: the main branch gets no gradient
    if self.conv3:
        X = self.conv3(X)
    return F.relu(Y + X)


def detach_block_output(self, X):
    Y = F.relu(self.bn1(self.conv1(X)))
    Y = self.bn2(self.conv2(Y))
    if self.conv3:
        X = self.conv3(X)
    return F.relu(Y + X).detach()            # the bug: nothing before this block learns


def moving_statistics_never_updated(module):
    """LeNet with the BatchNorm from scratch whose moving statistics stay 0 and 1: it trains, but predicts
    with statistics that never saw the data."""
    loaded = load_module(ROOT / "solutions", "batch_norm_scratch")

    def forward(self, X):
        Y, _, _ = loaded.batch_norm(X, self.gamma, self.beta, self.moving_mean.to(X.device),
                                    self.moving_var.to(X.device), eps=1e-5, momentum=0.9)
        return Y
    loaded.BatchNorm.forward = forward
    return build(loaded, NETWORKS["batch_norm_scratch"].call, "cpu")


BROKEN = {
    "constant": lambda module: Constant(),
    "frozen-features": frozen_features,
}
BROKEN_BATCH_NORM_SCRATCH = {"moving-statistics-never-updated": moving_statistics_never_updated}
BROKEN_RESNET = {
    "detach-residual-branch": lambda module: resnet_variant(detach_residual_branch),
    "detach-block-output": lambda module: resnet_variant(detach_block_output),
}


# Until benchmarks/gpu.sh (CALIBRATE=1) has run on a GPU, the CUDA plans carry
# these targets: guesses, set well below what the recipes should reach (the
# CPU-calibrated targets for the small networks, whose CUDA plans train
# longer; for the others about 0.15-0.3 below the book's 10-epoch accuracy,
# for a run of about one epoch).
CUDA_UNCALIBRATED = {"lenet": 0.70, "batch_norm": 0.75, "alexnet": 0.70, "vgg": 0.70, "nin": 0.50,
                     "googlenet": 0.65, "resnet": 0.75, "batch_norm_scratch": 0.75, "densenet": 0.75}
UNCALIBRATED_RULE = ("UNCALIBRATED: a conservative guess, not measured (no GPU was available); "
                     "calibrate with: CALIBRATE=1 benchmarks/gpu.sh")


def write_uncalibrated_cuda(table, command):
    for module, target in CUDA_UNCALIBRATED.items():
        entry = table.setdefault("cuda", {}).get(module)
        if entry and entry.get("calibrated"):
            continue
        recipe = recipes.check_recipe(module, "cuda")
        run = recipes.CHECK_RUNS["cuda"][module]
        table["cuda"][module] = {
            "target": target, "calibrated": False, "rule": UNCALIBRATED_RULE, "command": command,
            "plan": {"module": module, "device": "cuda", "input_size": recipe.input_size,
                     "batch_size": recipe.batch_size, "steps": run["steps"], "lr": recipe.lr,
                     "test_images": run["test_images"]}}


def target_for(accuracies):
    spread = statistics.pstdev(accuracies) if len(accuracies) > 1 else 0.0
    return math.floor((min(accuracies) - max(MARGIN, 4 * spread)) * 100) / 100


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--modules", nargs="+", help="default: every network with a plan on the device")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--broken-seeds", nargs="+", type=int, default=[0, 1],
                        help="seeds for the broken networks (default 0 1)")
    parser.add_argument("--write", action="store_true", help=f"update {recipes.CALIBRATION_FILE}")
    parser.add_argument("--output", default=str(recipes.CALIBRATION_FILE), help="the calibration file to update")
    parser.add_argument("--uncalibrated-cuda", action="store_true",
                        help="only write the CUDA plans with their uncalibrated targets (no GPU needed)")
    args = parser.parse_args(argv)
    command = "python -m benchmarks.calibrate " + " ".join(argv if argv is not None else sys.argv[1:])

    path = Path(args.output)
    table = json.loads(path.read_text()) if path.exists() else {}
    if args.uncalibrated_cuda:
        write_uncalibrated_cuda(table, command)
        path.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
        print(f"wrote the uncalibrated CUDA plans to {path}")
        return 0
    if args.device == "cpu":        # as the grader's training check trains: one thread (grader/threads.py)
        torch.set_num_threads(threads.CHECK_THREADS)
    dataset = fmnist.load_fashion_mnist(download=False)
    print(dataset.describe(), flush=True)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {os.getloadavg()}",
          flush=True)
    modules = args.modules or list(recipes.CHECK_RUNS[args.device])
    for module in modules:
        recipe = recipes.check_recipe(module, args.device)
        run = recipes.CHECK_RUNS[args.device][module]
        plan = {"module": module, "device": args.device, "input_size": recipe.input_size,
                "batch_size": recipe.batch_size, "steps": run["steps"], "lr": recipe.lr,
                "test_images": run["test_images"], "target": 0.0}
        print(f"\n== {module} on {args.device}: {run['steps']} steps of {recipe.batch_size} at "
              f"{recipe.input_size}x{recipe.input_size}, test on {run['test_images']} images ==", flush=True)
        accs, seconds = [], []
        for seed in args.seeds:
            torch.manual_seed(seed)
            result = train.run_check(reference(module), plan, seed=seed, dataset=dataset)
            accs.append(result["test_acc"])
            seconds.append(round(result["seconds"], 2))
            print(f"  reference seed {seed}: test acc {result['test_acc']:.4f} "
                  f"({result['seconds']:.1f} s, {result['train_seconds']:.1f} s training)", flush=True)
        target = target_for(accs)
        print(f"  reference: min {min(accs):.4f} mean {statistics.mean(accs):.4f} "
              f"std {statistics.pstdev(accs):.4f} -> target {target:.2f}", flush=True)
        broken, separated = {}, {}
        variants = dict(BROKEN, **(BROKEN_RESNET if module == "resnet" else {}),
                        **(BROKEN_BATCH_NORM_SCRATCH if module == "batch_norm_scratch" else {}))
        for name, make in variants.items():
            broken[name] = []
            for seed in args.broken_seeds:
                torch.manual_seed(seed)
                result = train.run_check(make(module), plan, seed=seed, dataset=dataset)
                broken[name].append(result["test_acc"])
            separated[name] = max(broken[name]) < target
            print(f"  broken {name}: test acc {', '.join(f'{a:.4f}' for a in broken[name])} -> "
                  f"{'fails the check' if separated[name] else 'NOT SEPARATED: would pass'}", flush=True)
        entry = {
            "target": target, "calibrated": True, "rule": RULE,
            "plan": {k: v for k, v in plan.items() if k != "target"},
            "reference": accs, "reference_seeds": args.seeds, "reference_seconds": seconds,
            "mean": statistics.mean(accs), "std": statistics.pstdev(accs),
            "broken": broken, "broken_seeds": args.broken_seeds, "separated": separated,
            "command": command, "date": time.strftime("%Y-%m-%d"),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}"
                       + (f", {torch.cuda.get_device_name()}" if args.device == "cuda" else ""),
            "threads": torch.get_num_threads(),
        }
        table.setdefault(args.device, {})[module] = entry
    if args.write:
        path.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
        print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
