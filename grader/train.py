"""Train the chapter's networks on Fashion-MNIST, fast, and the grader's training check.

``python -m grader train MODULE`` trains one network. Two recipes:

- ``book`` is d2l's ``train_ch6`` to the letter: xavier_uniform_ on every
  Conv2d/Linear weight, plain SGD, mean cross-entropy, the book's learning
  rate, batch size, input size and 10 epochs (VGG with channels divided by 4),
  and the book's lines: ``loss 0.469, train acc 0.823, test acc 0.779`` and
  ``55296.6 examples/sec on cuda:0``.
- ``fast`` is the kit's own: AdamW with a one-cycle schedule, label smoothing,
  normalised inputs, tuned for time-to-accuracy.

Either way the data is one uint8 tensor on the training device; a batch is
gathered by index, converted to float and, when the network needs a larger
input, resized on the device with ``F.interpolate``: no DataLoader, no
per-sample Python transforms. On CUDA batches run under bf16 autocast in
channels_last. Seeds are fixed; on the CPU a seed gives the same result.

The grader's hidden checks call ``training_check_plan``,
``training_skip_reason`` and ``run_training_check``: a short ``fast`` run of
the student's model that must reach a calibrated test accuracy
(``grader/calibration.json``, written by ``benchmarks/calibrate.py``).
"""
from __future__ import annotations

import argparse
import functools
import io
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from . import data as fmnist
from . import threads  # noqa: F401  (imported in the sandbox's zygote with this module: the training check's
#                                       child, which cannot read the grader's files, sets threads.CHECK_THREADS)
from .progress import progress_bar

ROOT = Path(__file__).resolve().parent.parent
CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.json"
MEAN, STD = 0.2860, 0.3530      # of the 60,000 training images, pixels in [0, 1]


class TrainingError(RuntimeError):
    """The model cannot be trained as it is: its forward raised, or returned the wrong thing."""


# ------------------------------------------------------------------ recipes

@dataclass(frozen=True)
class Recipe:
    name: str                  # "book" or "fast"
    input_size: int            # images are resized on the device from 28 to this
    batch_size: int
    epochs: int
    lr: float
    optimizer: str = "sgd"     # "sgd" (the book's: no momentum) or "adamw"
    momentum: float = 0.0       # sgd only (Nesterov when > 0)
    weight_decay: float = 0.0
    schedule: str = "constant"  # or "onecycle"
    warmup: float = 0.25        # onecycle: fraction of the steps spent warming up
    label_smoothing: float = 0.0
    normalize: bool = False     # the book feeds ToTensor()'s [0, 1] pixels
    init: str = "xavier"        # "xavier" (the book's), "kaiming" or "default"
    drop_last: bool = False     # the book's DataLoader keeps the last, partial batch
    call: str | None = None     # how to build the network, if not the spec's call
    channels_last: bool | None = None   # None: on CUDA only


@dataclass(frozen=True)
class BookRun:
    """What the book does for one network (REFERENCE.md), and the test accuracy it printed."""

    lr: float
    batch_size: int
    input_size: int
    printed_zh: float           # zh v2.0.0, the seed's edition
    printed_en: float           # en v0.17.5
    examples_per_sec_v100: float
    epochs: int = 10
    call: str | None = None


# The book trains VGG with a quarter of the channels: ratio = 4.
SMALL_CONV_ARCH = ((1, 64 // 4), (1, 128 // 4), (2, 256 // 4), (2, 512 // 4), (2, 512 // 4))

BOOK: dict[str, BookRun] = {
    "lenet": BookRun(0.9, 256, 28, 0.779, 0.789, 55_297),
    "batch_norm": BookRun(1.0, 256, 28, 0.708, 0.836, 50_597),
    "alexnet": BookRun(0.01, 128, 224, 0.883, 0.882, 3_942),
    "vgg": BookRun(0.05, 128, 224, 0.920, 0.922, 2_464, call=f"vgg({SMALL_CONV_ARCH!r})"),
    "nin": BookRun(0.1, 128, 224, 0.790, 0.785, 3_088),
    "googlenet": BookRun(0.1, 128, 96, 0.886, 0.883, 3_266),
    "resnet": BookRun(0.05, 256, 96, 0.893, 0.918, 5_033),
    # the chapter's two other parts (zh v2.0.0 and en v0.17.5 executed notebooks, as above)
    "batch_norm_scratch": BookRun(1.0, 256, 28, 0.807, 0.838, 32_294),
    "densenet": BookRun(0.1, 256, 96, 0.885, 0.821, 5_626),
}


def book_recipe(module: str) -> Recipe:
    b = BOOK[module]
    return Recipe("book", b.input_size, b.batch_size, b.epochs, b.lr, call=b.call)


# The kit's recipe, per network and device. On the CPU the small networks are
# tuned for time-to-accuracy on 2 cores; ResNet-18 trains at 28x28 there.
# The CUDA recipes use the book's input sizes.
_FAST_COMMON = dict(name="fast", optimizer="adamw", schedule="onecycle", label_smoothing=0.1,
                    normalize=True, drop_last=True, weight_decay=0.05)
FAST: dict[tuple[str, str], Recipe] = {
    ("lenet", "cpu"): Recipe(input_size=28, batch_size=256, epochs=6, lr=0.03, init="xavier", warmup=0.1,
                             channels_last=True, **_FAST_COMMON),
    ("batch_norm", "cpu"): Recipe(input_size=28, batch_size=128, epochs=2, lr=0.03, init="default", warmup=0.1,
                                  **_FAST_COMMON),
    ("resnet", "cpu"): Recipe(input_size=28, batch_size=128, epochs=2, lr=0.004, init="default", **_FAST_COMMON),
    ("lenet", "cuda"): Recipe(input_size=28, batch_size=256, epochs=10, lr=0.03, init="xavier", warmup=0.1,
                              **_FAST_COMMON),
    ("batch_norm", "cuda"): Recipe(input_size=28, batch_size=256, epochs=8, lr=0.02, init="default", warmup=0.1,
                                   **_FAST_COMMON),
    ("alexnet", "cuda"): Recipe(input_size=224, batch_size=128, epochs=4, lr=5e-4, init="kaiming", **_FAST_COMMON),
    ("vgg", "cuda"): Recipe(input_size=224, batch_size=128, epochs=4, lr=5e-4, init="kaiming",
                            call=f"vgg({SMALL_CONV_ARCH!r})", **_FAST_COMMON),
    # NiN's class scores come out of a ReLU: label smoothing and weight decay slow its (slow) start further
    ("nin", "cuda"): Recipe(input_size=224, batch_size=128, epochs=6, lr=1e-3, init="xavier",
                            **dict(_FAST_COMMON, label_smoothing=0.0, weight_decay=0.0)),
    ("googlenet", "cuda"): Recipe(input_size=96, batch_size=128, epochs=4, lr=1e-3, init="kaiming", **_FAST_COMMON),
    ("resnet", "cuda"): Recipe(input_size=96, batch_size=256, epochs=4, lr=4e-3, init="default", **_FAST_COMMON),
    # LeNet with the BatchNorm from scratch: the recipes of the one with nn.BatchNorm
    ("batch_norm_scratch", "cpu"): Recipe(input_size=28, batch_size=128, epochs=2, lr=0.03, init="default",
                                          warmup=0.1, **_FAST_COMMON),
    ("batch_norm_scratch", "cuda"): Recipe(input_size=28, batch_size=256, epochs=8, lr=0.02, init="default",
                                           warmup=0.1, **_FAST_COMMON),
    ("densenet", "cuda"): Recipe(input_size=96, batch_size=256, epochs=4, lr=4e-3, init="default", **_FAST_COMMON),
}


def fast_recipe(module: str, device: str) -> Recipe:
    kind = "cuda" if str(device).startswith("cuda") else "cpu"
    if (module, kind) in FAST:
        return FAST[(module, kind)]
    if kind == "cpu" and (module, "cuda") in FAST:   # a big network on the CPU: the GPU recipe, slowly
        return FAST[(module, "cuda")]
    raise KeyError(f"no fast recipe for {module!r}")


def recipe_for(module: str, name: str, device: str) -> Recipe:
    if name == "book":
        return book_recipe(module)
    if name == "fast":
        return fast_recipe(module, device)
    raise ValueError(f"unknown recipe {name!r} (book or fast)")


# ------------------------------------------------------------------ pieces

def resolve_device(device: str = "auto") -> torch.device:
    if device in (None, "auto"):
        device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(device)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise TrainingError("--device cuda asked for, but torch.cuda.is_available() is False")
        if device.index is None:
            device = torch.device("cuda", torch.cuda.current_device())
    elif device.type != "cpu":
        raise TrainingError(f"unsupported device {device} (cpu or cuda)")
    return device


def initialize(model: nn.Module, how: str, seed: int) -> None:
    """Re-initialise deterministically from ``seed``: every module's own ``reset_parameters``, then ``how``.

    ``xavier`` is the book's ``init_weights``: ``xavier_uniform_`` on the
    weight of every module whose type is exactly ``nn.Linear`` or ``nn.Conv2d``.
    """
    torch.manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if callable(getattr(m, "reset_parameters", None)):
                m.reset_parameters()
        for m in model.modules():
            if how == "xavier" and type(m) in (nn.Linear, nn.Conv2d):
                nn.init.xavier_uniform_(m.weight)
            elif how == "kaiming" and isinstance(m, (nn.Linear, nn.Conv2d)):
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)


def make_optimizer(model: nn.Module, recipe: Recipe, total_steps: int):
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise TrainingError("the model has no trainable parameters (none with requires_grad=True)")
    if recipe.optimizer == "sgd":
        if recipe.momentum:
            optimizer = torch.optim.SGD(params, lr=recipe.lr, momentum=recipe.momentum, nesterov=True,
                                        weight_decay=recipe.weight_decay)
        else:
            optimizer = torch.optim.SGD(params, lr=recipe.lr)   # the book's
    elif recipe.optimizer == "adamw":
        decay = [p for p in params if p.ndim > 1]
        no_decay = [p for p in params if p.ndim <= 1]   # biases and norm scales
        groups = [{"params": decay, "weight_decay": recipe.weight_decay},
                  {"params": no_decay, "weight_decay": 0.0}]
        optimizer = torch.optim.AdamW([g for g in groups if g["params"]], lr=recipe.lr)
    else:
        raise ValueError(f"unknown optimizer {recipe.optimizer!r}")
    if recipe.schedule == "onecycle" and total_steps >= 4:
        # OneCycleLR divides by its warm-up length in steps minus one: at least 2 steps of warm-up
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=recipe.lr, total_steps=total_steps,
            pct_start=min(0.5, max(recipe.warmup, 2 / total_steps)), div_factor=10.0, final_div_factor=100.0)
    elif recipe.schedule in ("onecycle", "constant"):    # a run of 1-3 steps: the peak rate throughout
        scheduler = None
    else:
        raise ValueError(f"unknown schedule {recipe.schedule!r}")
    return optimizer, scheduler


class Batches:
    """The images as one uint8 tensor on the device, turned into float batches there."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, recipe: Recipe, device: torch.device):
        self.images = images.to(device).unsqueeze(1)         # (N, 1, 28, 28) uint8
        self.labels = labels.to(device)
        self.recipe, self.device = recipe, device
        self.channels_last = uses_channels_last(recipe, device)

    def __len__(self) -> int:
        return len(self.labels)

    def get(self, index) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.images[index].float()
        if self.recipe.normalize:
            x = x.sub_(255 * MEAN).div_(255 * STD)
        else:
            x = x.div_(255)                                   # ToTensor()
        size = self.recipe.input_size
        if x.shape[-1] != size:
            x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x, self.labels[index]


def uses_channels_last(recipe: Recipe, device: torch.device) -> bool:
    return device.type == "cuda" if recipe.channels_last is None else recipe.channels_last


def _autocast(device: torch.device):
    return torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def checked_forward(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The model's output for ``x``, which must be a ``(batch, 10)`` floating tensor; else ``TrainingError``."""
    try:
        out = model(x)
    except Exception as error:
        raise TrainingError(f"the model's forward raised {type(error).__name__} on an input of shape "
                            f"{tuple(x.shape)}: {error}") from error
    if not isinstance(out, torch.Tensor):
        raise TrainingError(f"the model returned a {type(out).__name__}, not a tensor, "
                            f"for an input of shape {tuple(x.shape)}")
    if tuple(out.shape) != (x.shape[0], fmnist.NUM_CLASSES):
        raise TrainingError(f"the model returned shape {tuple(out.shape)} for an input of shape "
                            f"{tuple(x.shape)}; expected ({x.shape[0]}, {fmnist.NUM_CLASSES}): one score per class")
    if not out.is_floating_point():
        raise TrainingError(f"the model returned a {out.dtype} tensor; class scores must be floating point")
    return out


@torch.inference_mode()
def evaluate(model: nn.Module, batches: Batches, limit: int | None = None, batch_size: int | None = None) -> float:
    """Accuracy on the first ``limit`` images (all by default), in eval mode."""
    if batch_size is None:
        batch_size = 1000 if batches.recipe.input_size <= 96 else 250
    was_training = model.training
    model.eval()
    n = len(batches) if limit is None else min(limit, len(batches))
    correct = torch.zeros((), dtype=torch.long, device=batches.device)
    try:
        for start in range(0, n, batch_size):
            x, y = batches.get(slice(start, min(start + batch_size, n)))
            with _autocast(batches.device):
                out = checked_forward(model, x)
            correct += (out.argmax(dim=1) == y).sum()
    finally:
        model.train(was_training)
    return correct.item() / n


# ------------------------------------------------------------------ the loop

def fit(model: nn.Module, dataset: fmnist.FashionMNIST, recipe: Recipe, *, device="cpu", seed: int = 0,
        epochs: int | None = None, steps: int | None = None, test_images: int | None = None,
        eval_every: int | None = None, evaluate_epochs: bool = True, log=None,
        progress: bool | None = None, init: bool = True, stop_when=None) -> dict:
    """Train ``model`` per ``recipe``; return the numbers (see ``train_model``).

    ``steps`` (a number of batches) overrides ``epochs``. ``eval_every``
    (steps) adds test-accuracy checkpoints, for time-to-accuracy; their
    evaluation time is not training time; ``stop_when(checkpoint)`` returning
    True ends the run there. ``log(epoch_record)`` is called after every epoch.
    """
    device = resolve_device(device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    if init:
        initialize(model, recipe.init, seed)
    torch.manual_seed(seed)                 # dropout
    model.to(device)
    channels_last = uses_channels_last(recipe, device)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    model.train()

    train = Batches(dataset.train_images, dataset.train_labels, recipe, device)
    test = Batches(dataset.test_images, dataset.test_labels, recipe, device)
    n_train, bs = len(train), recipe.batch_size
    per_epoch = n_train // bs if recipe.drop_last else math.ceil(n_train / bs)
    if steps is None:
        epochs = recipe.epochs if epochs is None else epochs
        total = epochs * per_epoch
    else:
        total = steps
        epochs = math.ceil(steps / per_epoch)
    with torch.no_grad():                   # a clear error before anything else, if the model cannot run
        model.eval()
        try:
            with _autocast(device):
                checked_forward(model, train.get(slice(0, 2))[0])
        except TrainingError:
            if not channels_last:
                raise
            # e.g. a forward that calls .view() on a feature map: fine in NCHW, not in channels_last
            channels_last = train.channels_last = test.channels_last = False
            model.to(memory_format=torch.contiguous_format)
            with _autocast(device):
                checked_forward(model, train.get(slice(0, 2))[0])
        model.train()
    optimizer, scheduler = make_optimizer(model, recipe, total)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=recipe.label_smoothing)
    shuffler = torch.Generator().manual_seed(seed)
    bar = progress_bar(total, desc=f"{recipe.name} recipe", unit="step", enabled=progress)

    history, checkpoints, points = [], [], []
    step, seen, train_seconds = 0, 0, 0.0
    diverged = stopped = False
    point_every = max(per_epoch // 5, 1)    # the book's animator: 5 points an epoch
    try:
        for epoch in range(epochs):
            bar.set_postfix_str(f"epoch {epoch + 1}/{epochs}", refresh=False)
            order = torch.randperm(n_train, generator=shuffler).to(device)
            loss_sum = torch.zeros((), device=device)
            correct = torch.zeros((), dtype=torch.long, device=device)
            count = 0
            _sync(device)
            started = time.perf_counter()
            for i in range(per_epoch):
                if step >= total:
                    break
                index = order[i * bs:(i + 1) * bs]
                x, y = train.get(index)
                with _autocast(device):
                    out = checked_forward(model, x)
                    loss = loss_fn(out.float(), y)
                optimizer.zero_grad(set_to_none=True)
                try:
                    loss.backward()
                except Exception as error:
                    raise TrainingError(f"backward through the model raised {type(error).__name__}: {error}") from error
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
                with torch.no_grad():
                    loss_sum += loss.detach().float() * len(y)
                    correct += (out.argmax(dim=1) == y).sum()
                count += len(y)
                step += 1
                seen += len(y)
                bar.update(1)
                last = i == per_epoch - 1 or step == total
                at_point = (i + 1) % point_every == 0 or last
                at_checkpoint = eval_every and (step % eval_every == 0 or step == total)
                if at_point or at_checkpoint:
                    _sync(device)
                    train_seconds += time.perf_counter() - started
                    if at_point:
                        points.append({"epoch": epoch + (i + 1) / per_epoch,
                                       "train_loss": loss_sum.item() / count, "train_acc": correct.item() / count})
                        if not math.isfinite(points[-1]["train_loss"]):
                            diverged = True
                    if at_checkpoint:
                        acc = evaluate(model, test, test_images)
                        checkpoints.append({"step": step, "examples": seen, "train_seconds": train_seconds,
                                            "test_acc": acc})
                        if stop_when is not None and stop_when(checkpoints[-1]):
                            stopped = True
                    _sync(device)
                    started = time.perf_counter()
                if diverged or stopped:
                    break
            _sync(device)
            train_seconds += time.perf_counter() - started
            record = {"epoch": epoch + 1, "steps": step, "examples": seen,
                      "train_loss": loss_sum.item() / max(count, 1), "train_acc": correct.item() / max(count, 1),
                      "train_seconds": train_seconds}
            if evaluate_epochs or epoch == epochs - 1 or diverged or stopped:
                record["test_acc"] = evaluate(model, test, test_images)
            history.append(record)
            if log is not None:
                with bar.external_write_mode():     # the bar steps aside for the epoch's line
                    log(record)
            if diverged or stopped:
                break
    finally:
        bar.close()
    final = history[-1]
    return {
        "recipe": recipe.name, "device": str(device), "seed": seed,
        "epochs": len(history), "steps": step, "examples": seen,
        "input_size": recipe.input_size, "batch_size": bs, "lr": recipe.lr,
        "train_loss": final["train_loss"], "train_acc": final["train_acc"], "test_acc": final["test_acc"],
        "test_images": len(test) if test_images is None else min(test_images, len(test)),
        "examples_per_sec": seen / train_seconds if train_seconds > 0 else float("nan"),
        "train_seconds": train_seconds, "diverged": diverged, "stopped_early": stopped,
        "channels_last": channels_last, "bf16_autocast": device.type == "cuda",
        "history": history, "points": points, "checkpoints": checkpoints,
        "recipe_settings": asdict(recipe),
    }


def train_model(model: nn.Module, module: str, recipe: str = "fast", device: str = "cpu",
                epochs: int | None = None, seed: int = 0, *, data_dir=None, dataset=None,
                download: bool = True, input_size: int | None = None, batch_size: int | None = None,
                lr: float | None = None, log=None, progress: bool | None = None,
                eval_every: int | None = None) -> dict:
    """Train ``model`` (the network of ``module``) on Fashion-MNIST; return a dict of results.

    Keys: module, recipe, device, epochs, input_size, batch_size, lr, seed,
    train_loss, train_acc (the running averages over the last epoch, as the
    book prints them), test_acc (all 10,000 test images), examples_per_sec
    (training images per second of training time), train_seconds (training
    only: data loading and evaluation excluded), history (one record per
    epoch), points (the book animator's 5 points an epoch), data (where the
    data came from).
    """
    device = resolve_device(device)
    chosen = recipe_for(module, recipe, device.type)
    overrides = {k: v for k, v in (("input_size", input_size), ("batch_size", batch_size), ("lr", lr))
                 if v is not None}
    chosen = replace(chosen, **overrides)
    if dataset is None:
        dataset = fmnist.load_fashion_mnist(data_dir, download=download)
    result = fit(model, dataset, chosen, device=device, seed=seed, epochs=epochs, log=log,
                 progress=progress, eval_every=eval_every)
    result.update(module=module, data=dataset.describe(),
                  parameters=sum(p.numel() for p in model.parameters()),
                  torch=torch.__version__, threads=torch.get_num_threads())
    if module in BOOK:
        result["book_test_acc"] = {"zh": BOOK[module].printed_zh, "en": BOOK[module].printed_en}
    return result


# ------------------------------------------------------------------ the grader's check

# On 2 CPU cores these train too slowly at the sizes their layers allow to
# reach a meaningful accuracy in about a minute (measured with the fast
# recipe, torch 2.14, 2 cores, November 2026).
_CPU_SKIP = {
    "alexnet": "AlexNet's Linear(6400, 4096) fixes the input at 224x224, where one training image costs "
               "about 60 ms on 2 CPU cores (60 steps of 32 took 2 minutes): a minute is about 1,000 images, "
               "too few for a threshold with a safe margin. Checked on CUDA only.",
    "vgg": "VGG-11's Linear(25088, 4096) fixes the input at 224x224, where one training image of the full "
           "network costs close to a second on 2 CPU cores. Checked on CUDA only.",
    "nin": "NiN (no BatchNorm, class scores out of a ReLU) starts learning slowly: 160 steps of 32 at 96x96 "
           "reach only 0.2-0.45 test accuracy, and at 224x224 one training image costs about 0.2 s on "
           "2 CPU cores. Checked on CUDA only.",
    "googlenet": "GoogLeNet at the book's 96x96 costs about 30 ms a training image on 2 CPU cores: 80 steps "
                 "of 32 took 80 s to reach about 0.7 test accuracy, too slow for a one-minute check with a "
                 "safe margin. Checked on CUDA only.",
    "densenet": "DenseNet's concatenations make it slow on 2 CPU cores: at the book's 96x96, 32-image steps ran at "
                "about 7 training images a second (measured under a load of 5); 32x32, the smallest input its "
                "three transitions allow, still ran at about 45 a second, so the 60 steps of 128 images that "
                "ResNet-18 gets would take about 3 minutes. Checked on CUDA only.",
}

# The runs the check does (targets come from calibration.json). Steps are
# batches of the recipe's batch size, drawn from a seeded shuffle of the
# 60,000 training images; test accuracy is measured on the first
# ``test_images`` images of the 10,000-image test set, never trained on.
CHECK_RUNS = {
    "cpu": {
        "lenet": dict(steps=200, test_images=10_000),
        # the check keeps the batch size and learning rate it was calibrated with
        "batch_norm": dict(steps=100, test_images=10_000, batch_size=256, lr=0.02),
        "resnet": dict(steps=60, test_images=2_000),
        "batch_norm_scratch": dict(steps=100, test_images=10_000, batch_size=256, lr=0.02),
    },
    "cuda": {
        "lenet": dict(steps=400, test_images=10_000),
        "batch_norm": dict(steps=200, test_images=10_000),
        "alexnet": dict(steps=500, test_images=10_000),
        "vgg": dict(steps=500, test_images=10_000),
        "nin": dict(steps=800, test_images=10_000),
        "googlenet": dict(steps=500, test_images=10_000),
        "resnet": dict(steps=300, test_images=10_000),
        "batch_norm_scratch": dict(steps=200, test_images=10_000),
        "densenet": dict(steps=300, test_images=10_000),
    },
}


def _device_kind(device) -> str:
    kind = torch.device(device).type
    if kind not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu' or 'cuda', not {device!r}")
    return kind


def load_calibration(path=CALIBRATION_FILE) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def check_recipe(module: str, device: str) -> Recipe:
    """The recipe of the training check: the fast recipe, with the check's own batch size and lr if it has them."""
    kind = _device_kind(device)
    run = CHECK_RUNS[kind].get(module, {})
    return replace(fast_recipe(module, kind), **{k: run[k] for k in ("batch_size", "lr") if k in run})


def training_skip_reason(module: str, device: str) -> str:
    """Why ``training_check_plan(module, device)`` is None ('' when it is not)."""
    kind = _device_kind(device)
    if module not in BOOK:
        return f"no training check for unknown network {module!r}"
    if module in CHECK_RUNS[kind]:
        entry = load_calibration().get(kind, {}).get(module)
        if entry is None or "target" not in entry:
            return f"{module} on {kind}: no target in {CALIBRATION_FILE.name} (run benchmarks/calibrate.py)"
        return ""
    return _CPU_SKIP.get(module, f"{module} has no training check on {kind}")


def training_check_plan(module: str, device: str) -> dict | None:
    """The short ``fast`` run the grader does for ``module`` on ``device`` ("cpu" or "cuda"), or None.

    Keys: module, device, recipe, input_size, batch_size, steps, lr,
    test_images, target (test accuracy to reach), calibrated (False for the
    CUDA plans until ``benchmarks/gpu.sh`` has run), calibration (how the
    target was set).
    """
    if training_skip_reason(module, device):
        return None
    kind = _device_kind(device)
    recipe = check_recipe(module, kind)
    run = CHECK_RUNS[kind][module]
    entry = load_calibration()[kind][module]
    return {"module": module, "device": kind, "recipe": "fast", "input_size": recipe.input_size,
            "batch_size": recipe.batch_size, "steps": run["steps"], "lr": recipe.lr,
            "test_images": run["test_images"], "target": entry["target"],
            "calibrated": bool(entry.get("calibrated")), "calibration": entry.get("rule", "")}


def run_check(model: nn.Module, plan: dict, seed: int = 0, dataset=None) -> dict:
    """Train ``model`` for ``plan`` and compare with its target (``run_training_check`` without the lookup)."""
    started = time.perf_counter()
    if dataset is None:
        dataset = fmnist.load_fashion_mnist(download=False)
    recipe = replace(check_recipe(plan["module"], plan["device"]),
                     input_size=plan["input_size"], batch_size=plan["batch_size"], lr=plan["lr"])
    result = fit(model, dataset, recipe, device=plan["device"], seed=seed, steps=plan["steps"],
                 test_images=plan["test_images"], evaluate_epochs=False, progress=False)
    acc = result["test_acc"]
    return {"module": plan["module"], "device": plan["device"], "test_acc": acc, "target": plan["target"],
            "passed": bool(acc >= plan["target"]) and not result["diverged"],
            "seconds": time.perf_counter() - started, "train_seconds": result["train_seconds"],
            "steps": result["steps"], "examples": result["examples"], "input_size": plan["input_size"],
            "batch_size": plan["batch_size"], "test_images": result["test_images"],
            "train_loss": result["train_loss"], "diverged": result["diverged"],
            "calibrated": plan.get("calibrated", False), "seed": seed}


def run_training_check(model: nn.Module, module: str, device: str, seed: int = 0) -> dict:
    """Train the student's ``model`` per ``training_check_plan(module, device)``; say whether it reached the target.

    Returns test_acc, target, passed, seconds (all of it, data loading
    included), steps, input_size, test_images and more. Raises
    ``TrainingError`` when the model cannot be trained (its forward raises,
    returns a non-tensor or a wrong shape) and ``ValueError`` when there is no
    plan (see ``training_skip_reason``). Deterministic for a seed on the CPU.
    """
    plan = training_check_plan(module, device)
    if plan is None:
        raise ValueError(f"no training check for {module} on {device}: {training_skip_reason(module, device)}")
    return run_check(model, plan, seed)


# ------------------------------------------------------------------ the plot

def training_figure(result: dict):
    """The training curves of ``result`` (``train_model``'s) as a matplotlib ``Figure``, as the book's ``Animator`` draws them.

    Train loss and train accuracy (5 points an epoch) and test accuracy (once
    an epoch) against the epoch, on one axis starting at 0, x from 1 to the
    last epoch; the test accuracy the book printed for the network (``BOOK``,
    both editions) as dotted reference lines; the legend outside the axes. The
    figure belongs to no pyplot window and is drawn by matplotlib's Agg
    renderer: in a notebook it shows inline as the value of a cell (or with
    ``display(fig)``: it has a ``_repr_png_``); ``plot_history`` saves it.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from .editions import SECTIONS
    from .spec import NETWORKS

    module = result.get("module", "")
    epochs = max(int(result["epochs"]), 1)
    x0 = 1 if epochs > 1 else 0                 # the book's animator: xlim [1, num_epochs]
    points = result.get("points") or []
    tests = [(h["epoch"], h["test_acc"]) for h in result["history"] if "test_acc" in h]

    fig = Figure(figsize=(7.5, 5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    fig._repr_png_ = functools.partial(_png_bytes, fig)    # IPython shows it without pyplot
    ax = fig.add_subplot()
    curves = [("train loss", "-", "tab:blue", [(p["epoch"], p["train_loss"]) for p in points]),
              ("train acc", "--", "m", [(p["epoch"], p["train_acc"]) for p in points]),
              ("test acc", "-.", "g", tests)]
    shown = [1.0]
    for label, style, colour, pairs in curves:      # the book's fmts: '-', 'm--', 'g-.'
        pairs = [(x, y) for x, y in pairs if math.isfinite(y)]
        if not pairs:
            continue
        xs, ys = zip(*pairs)
        ax.plot(xs, ys, style, color=colour, label=label, marker="o" if len(pairs) < 3 else None)
        shown += [y for x, y in pairs if x >= x0]
    book = BOOK.get(module)
    if book is not None:
        section = SECTIONS.get(module)
        for edition, acc, style, colour in (("zh", book.printed_zh, ":", "r"), ("en", book.printed_en, ":", "0.45")):
            where = f"{edition} {getattr(section, edition)}" if section else edition
            ax.axhline(acc, linestyle=style, color=colour, linewidth=1.5,
                       label=f"book's test acc ({where}, {book.epochs} epochs): {acc:.3f}")
    pad = 0.02 * (epochs - x0)                  # a point on the last epoch is drawn whole
    ax.set_xlim(x0 - pad, epochs + pad)
    ax.set_ylim(0, max(shown) * 1.05)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss / accuracy")
    ax.grid(True, alpha=0.3)
    title = NETWORKS[module].title if module in NETWORKS else module
    ax.set_title(f"{title}: {result['recipe']} recipe on {result['device']}, "
                 f"test acc {result['test_acc']:.3f}")
    fig.legend(loc="outside lower center", ncols=2, frameon=False)
    return fig


def _png_bytes(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def plot_history(result: dict, path) -> Path:
    """Save ``training_figure(result)`` as a PNG at ``path`` (matplotlib's Agg renderer, no display needed)."""
    figure = training_figure(result)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path


# ------------------------------------------------------------------ the command line

def configure(parser: argparse.ArgumentParser) -> None:
    from .spec import ALL_MODULES
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


def _impl_dir(impl: str) -> Path:
    if impl in ("solutions", "exercises"):
        return ROOT / impl
    return Path(impl)


def main(args) -> int:
    from .build import build, load_module
    from .spec import NETWORKS

    try:
        device = resolve_device(args.device)
        recipe = recipe_for(args.module, args.recipe, device.type)
        dataset = fmnist.load_fashion_mnist(args.data, download=not args.no_download)
    except (fmnist.DataNotFoundError, fmnist.IDXError, TrainingError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(dataset.describe())
    directory = _impl_dir(args.impl)
    call = recipe.call or NETWORKS[args.module].call
    torch.manual_seed(args.seed)
    try:
        model = build(load_module(directory, args.module), call, "cpu")
    except Exception as error:
        print(f"error: cannot build {call} from {directory / (args.module + '.py')}: "
              f"{type(error).__name__}: {error}", file=sys.stderr)
        return 2
    print(f"{NETWORKS[args.module].title}: {call} from {directory}, {recipe.name} recipe")
    print("training on", device)

    def log(record):
        test = f", test acc {record['test_acc']:.3f}" if "test_acc" in record else ""
        print(f"epoch {record['epoch']}: loss {record['train_loss']:.3f}, "
              f"train acc {record['train_acc']:.3f}{test}", flush=True)

    try:
        result = train_model(model, args.module, args.recipe, device, args.epochs, args.seed,
                             dataset=dataset, input_size=args.input_size, batch_size=args.batch_size,
                             lr=args.lr, log=log, progress=False if args.quiet else None)
    except TrainingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    result.update(impl=str(directory), call=call)
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
