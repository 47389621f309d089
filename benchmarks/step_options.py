"""How fast one training step of a network can go on this CPU, option by option, in one process.

    python -m benchmarks.step_options                    # LeNet
    python -m benchmarks.step_options --module batch_norm --compile

Each variant trains the reference network on one preloaded random batch
(no data handling at all) with the fast recipe's optimizer, for
``--seconds``; the variants run in turns (``--rounds``), and each one's best
round is printed with its ratio to the first variant, the plain NCHW fp32
step at batch 256. This is the ceiling of any trainer of the network on this
machine: the kit's trainer adds data gathering and bookkeeping on top.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from grader import recipes, train  # noqa: E402
from grader.build import build, load_module  # noqa: E402
from grader.spec import NETWORKS  # noqa: E402

VARIANTS = [  # (label, batch size, channels_last, bf16 autocast)
    ("fp32 NCHW, batch 256", 256, False, False),
    ("fp32 channels_last, batch 256", 256, True, False),
    ("fp32 channels_last, batch 64", 64, True, False),
    ("fp32 channels_last, batch 1024", 1024, True, False),
    ("bf16 autocast channels_last, batch 256", 256, True, True),
    ("bf16 autocast channels_last, batch 1024", 1024, True, True),
]


def make_step(module, batch, channels_last, bf16, compiled):
    recipe = recipes.fast_recipe(module, "cpu")
    torch.manual_seed(0)
    net = build(load_module(ROOT / "solutions", module), recipe.call or NETWORKS[module].call, "cpu")
    x = torch.randn(batch, 1, recipe.input_size, recipe.input_size)
    y = torch.randint(0, 10, (batch,))
    if channels_last:
        net = net.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    optimizer, _ = train.make_optimizer(net, recipe, 1000)
    forward = torch.compile(net) if compiled else net

    def step():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = F.cross_entropy(forward(x).float(), y, label_smoothing=recipe.label_smoothing)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return step


def images_per_second(step, batch, seconds):
    steps, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        step()
        steps += 1
    return steps * batch / (time.perf_counter() - started)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", default="lenet", choices=("lenet", "batch_norm"))
    parser.add_argument("--seconds", type=float, default=3.0, help="per variant and round (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="turns over all variants (default 3)")
    parser.add_argument("--compile", action="store_true", help="also torch.compile (needs a C++ compiler)")
    args = parser.parse_args(argv)
    variants = VARIANTS + ([("torch.compile, fp32 channels_last, batch 256", 256, True, False, True)]
                           if args.compile else [])
    print(f"{args.module}: torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"load average {os.getloadavg()}", flush=True)
    steps = {}
    for label, batch, channels_last, bf16, *compiled in variants:
        started = time.perf_counter()
        steps[label] = make_step(args.module, batch, channels_last, bf16, bool(compiled))
        for _ in range(3):
            steps[label]()                     # warm-up (and compilation)
        print(f"  ready: {label} (warm-up {time.perf_counter() - started:.1f} s)", flush=True)
    best = {label: 0.0 for label in steps}
    for _ in range(args.rounds):
        for label, batch, *_ in variants:
            best[label] = max(best[label], images_per_second(steps[label], batch, args.seconds))
    base = best[variants[0][0]]
    for label in best:
        print(f"{label:48s} {best[label]:9,.0f} images/s  {best[label] / base:4.2f}x", flush=True)
    print(f"load average after {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
