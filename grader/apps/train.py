"""``python -m grader train MODULE``: train one network on Fashion-MNIST (``grader/train.py``)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from .. import data as fmnist
from ..build import build, load_module
from ..spec import ALL_MODULES, NETWORKS
from ..train import (BOOK, ROOT, TrainingError, cpu_threads, plot_history, recipe_for, resolve_device,
                     thread_changes, train_model)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("module", choices=ALL_MODULES, help="which network")
    parser.add_argument("--impl", default="solutions",
                        help="solutions (default), exercises, or a directory holding MODULE.py")
    parser.add_argument("--recipe", choices=("fast", "book"), default="fast",
                        help="fast: the kit's recipe; book: d2l's train_ch6 exactly (default: fast)")
    parser.add_argument("--device", default="auto", help="auto (default), cpu or cuda")
    parser.add_argument("--epochs", type=int, help="number of epochs (default: the recipe's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", metavar="DIR",
                        help=f"directory with the Fashion-MNIST IDX files (else ${fmnist.ENV_VAR}, ./data, "
                             f"{fmnist.SYSTEM_DIR}, torchvision download)")
    parser.add_argument("--no-download", action="store_true", help="never try torchvision's download")
    parser.add_argument("--input-size", type=int, help="resize images to this (default: the recipe's)")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--json", metavar="FILE", help="write the results as one JSON object")
    parser.add_argument("--plot", metavar="FILE", help="draw loss and accuracy curves into a PNG")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--threads", type=int, metavar="N",
                        help="compute threads on the CPU (default: every CPU; when other work starts while it "
                             "trains, one per CPU that work leaves idle)")


def main(args) -> int:
    try:
        device = resolve_device(args.device)
        recipe = recipe_for(args.module, args.recipe, device.type)
        dataset = fmnist.load_fashion_mnist(args.data, download=not args.no_download)
    except (fmnist.DataNotFoundError, fmnist.IDXError, TrainingError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(dataset.describe())
    directory = ROOT / args.impl if args.impl in ("solutions", "exercises") else Path(args.impl)
    call = recipe.call or NETWORKS[args.module].call
    torch.manual_seed(args.seed)
    try:
        model = build(load_module(directory, args.module), call, "cpu")
    except Exception as error:
        print(f"error: cannot build {call} from {directory / (args.module + '.py')}: "
              f"{type(error).__name__}: {error}", file=sys.stderr)
        return 2
    print(f"{NETWORKS[args.module].title}: {call} from {directory}, {recipe.name} recipe")
    follow = None
    if device.type == "cpu":
        described, follow = cpu_threads(args.threads)
        print(f"training on cpu, {described}")
    else:
        print("training on", device)
    reported = 0

    def log(record):
        nonlocal reported
        test = f", test acc {record['test_acc']:.3f}" if "test_acc" in record else ""
        print(f"epoch {record['epoch']}: loss {record['train_loss']:.3f}, "
              f"train acc {record['train_acc']:.3f}{test}", flush=True)
        for line in thread_changes(follow, reported):
            print(line, flush=True)
        reported = len(follow.changes) if follow is not None else 0

    try:
        result = train_model(model, args.module, args.recipe, device, args.epochs, args.seed,
                             dataset=dataset, input_size=args.input_size, batch_size=args.batch_size,
                             lr=args.lr, log=log, progress=False if args.quiet else None, threads_for=follow)
    except TrainingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    result.update(impl=str(directory), call=call)
    if follow is not None:
        result["thread_changes"] = [{"from_step": step + 1, "threads": count, "idle_cpus": round(idle, 2)}
                                    for step, count, idle in follow.changes]
    print(f"loss {result['train_loss']:.3f}, train acc {result['train_acc']:.3f}, "
          f"test acc {result['test_acc']:.3f}")
    print(f"{result['examples_per_sec']:.1f} examples/sec on {device}")
    if args.module in BOOK:
        b = BOOK[args.module]
        print(f"(the book printed test acc {b.printed_zh:.3f} (zh) / {b.printed_en:.3f} (en) after "
              f"{b.epochs} epochs; {result['train_seconds']:.1f} s of training here)")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    if args.plot:
        plot_history(result, args.plot)
    return 0
