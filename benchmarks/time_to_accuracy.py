"""Time for the kit's ``fast`` recipe to reach the book's printed test accuracy, for every network.

    python -m benchmarks.time_to_accuracy --device cuda --out benchmarks/results/gpu.json
    python -m benchmarks.time_to_accuracy --device cpu --dry-run     # the pipeline on a tiny subset

Each network is trained at the book's input size (VGG with the book's
channels / 4) with the ``fast`` recipe for the device, evaluated on all
10,000 test images every ``--check`` steps (evaluation is not training
time), and stopped at the first checkpoint at or above the book's printed
10-epoch test accuracy (the higher of the zh and en editions), or at the end
of the recipe, or after ``--max-seconds`` of training. Prints one line per
network and writes every checkpoint to ``--out``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from grader import data as fmnist  # noqa: E402
from grader import recipes, train  # noqa: E402
from grader.build import build, load_module  # noqa: E402
from grader.spec import ALL_MODULES, NETWORKS  # noqa: E402


class Reached(Exception):
    pass


def run(module, dataset, device, check, max_seconds, dry_run, log):
    book = recipes.BOOK[module]
    target = max(book.printed_zh, book.printed_en)
    recipe = recipes.fast_recipe(module, "cuda")           # the book's input sizes
    if device.type == "cpu" and dry_run:
        recipe = replace(recipe, batch_size=8)
    call = recipe.call or NETWORKS[module].call
    torch.manual_seed(0)
    model = build(load_module(ROOT / "solutions", module), call, "cpu")
    started = time.perf_counter()
    steps = 2 if dry_run else None

    def stop_when(checkpoint):
        return checkpoint["test_acc"] >= target or checkpoint["train_seconds"] >= max_seconds

    result = train.fit(model, dataset, recipe, device=device, seed=0, steps=steps, stop_when=stop_when,
                       eval_every=1 if dry_run else check, evaluate_epochs=False, progress=None)
    checkpoints = result["checkpoints"]
    first = {}
    for name, t in (("zh", book.printed_zh), ("en", book.printed_en)):
        hit = next((c for c in checkpoints if c["test_acc"] >= t), None)
        first[name] = None if hit is None else {"train_seconds": hit["train_seconds"], "step": hit["step"],
                                                "examples": hit["examples"], "test_acc": hit["test_acc"]}
    hit = first["en" if book.printed_en >= book.printed_zh else "zh"]
    reached = (f"reached in {hit['train_seconds']:7.1f} s ({hit['examples']} images)" if hit
               else "NOT reached" + " " * 22)
    line = (f"{module:10s} input {recipe.input_size:3d}  target {target:.3f}  {reached}"
            + f"  final {result['test_acc']:.4f} after {result['train_seconds']:.1f} s  "
              f"{result['examples_per_sec']:.0f} examples/s (book, V100: {book.examples_per_sec_v100:.0f})")
    log(line)
    return {"module": module, "input_size": recipe.input_size, "call": call, "target": target,
            "book_test_acc": {"zh": book.printed_zh, "en": book.printed_en}, "first_reaching": first,
            "final_test_acc": result["test_acc"], "train_seconds": result["train_seconds"],
            "examples_per_sec": result["examples_per_sec"], "epochs": result["epochs"], "steps": result["steps"],
            "wall_seconds": time.perf_counter() - started, "checkpoints": checkpoints,
            "recipe": result["recipe_settings"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--modules", nargs="+", default=list(ALL_MODULES))
    parser.add_argument("--check", type=int, default=50, help="evaluate every N steps (default 50)")
    parser.add_argument("--max-seconds", type=float, default=120.0)
    parser.add_argument("--dry-run", action="store_true",
                        help="2 steps per network on 256 training and 64 test images: checks the pipeline")
    parser.add_argument("--out", default=None, help="write the numbers here (JSON)")
    args = parser.parse_args(argv)
    device = train.resolve_device(args.device)

    dataset = fmnist.load_fashion_mnist(download=False)
    if args.dry_run:
        dataset = fmnist.FashionMNIST(dataset.train_images[:256], dataset.train_labels[:256],
                                      dataset.test_images[:64], dataset.test_labels[:64],
                                      dataset.directory, dataset.source + ", dry-run subset")

    def log(*a):
        print(*a, flush=True)

    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    log(f"{dataset.describe()}\ndevice {device} ({name}), torch {torch.__version__}")
    report = {"device": str(device), "device_name": name, "torch": torch.__version__,
              "command": "python -m benchmarks.time_to_accuracy " + " ".join(argv if argv is not None else sys.argv[1:]),
              "date": time.strftime("%Y-%m-%d %H:%M:%S"), "dry_run": args.dry_run, "networks": {}}
    total = time.perf_counter()
    for module in args.modules:
        report["networks"][module] = run(module, dataset, device, args.check, args.max_seconds, args.dry_run, log)
    report["total_seconds"] = time.perf_counter() - total
    log(f"total {report['total_seconds']:.0f} s")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
