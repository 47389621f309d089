"""Train the chapter's networks on Fashion-MNIST, fast, and the grader's training check.

``python -m grader train MODULE`` (``grader/apps/train.py``) trains one network. Two recipes:

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

import functools
import io
import math
import time
from dataclasses import asdict, replace
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from . import data as fmnist
from . import threads     # also imported in the sandbox's zygote with this module: the training check's child,
#                           which cannot read the grader's files, sets threads.CHECK_THREADS
from .progress import progress_bar
from .recipes import BOOK, Recipe, check_recipe, recipe_for, training_check_plan, training_skip_reason

ROOT = Path(__file__).resolve().parent.parent
MEAN, STD = 0.2860, 0.3530      # of the 60,000 training images, pixels in [0, 1]


class TrainingError(RuntimeError):
    """The model cannot be trained as it is: its forward raised, or returned the wrong thing."""


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
        progress: bool | None = None, init: bool = True, stop_when=None, threads_for=None) -> dict:
    """Train ``model`` per ``recipe``; return the numbers (see ``train_model``).

    ``steps`` (a number of batches) overrides ``epochs``. ``eval_every``
    (steps) adds test-accuracy checkpoints, for time-to-accuracy; their
    evaluation time is not training time; ``stop_when(checkpoint)`` returning
    True ends the run there. ``log(epoch_record)`` is called after every epoch.
    ``threads_for(step)``, when given, says how many CPU threads to train
    each step on (``threads.FollowTheLoad``); otherwise they stay as they are.
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
                if threads_for is not None:
                    wanted = threads_for(step)
                    if wanted != torch.get_num_threads():
                        torch.set_num_threads(wanted)
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
                eval_every: int | None = None, threads_for=None) -> dict:
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
                 progress=progress, eval_every=eval_every, threads_for=threads_for)
    result.update(module=module, data=dataset.describe(),
                  parameters=sum(p.numel() for p in model.parameters()),
                  torch=torch.__version__, threads=torch.get_num_threads())
    if module in BOOK:
        result["book_test_acc"] = {"zh": BOOK[module].printed_zh, "en": BOOK[module].printed_en}
    return result


# ------------------------------------------------------------------ the grader's check

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


# ------------------------------------------------------------------ threads, for the command line

def cpu_threads(asked: int | None) -> tuple[str, threads.FollowTheLoad | None]:
    """Set torch's compute threads for training on the CPU; say how many and why.

    Unless ``--threads`` or ``GRADER_OMP=default`` fixes the count, it also returns the
    ``FollowTheLoad`` that changes it while the network trains."""
    available = threads.cpus()
    follow = None
    if asked is not None:
        count, why = max(1, asked), "--threads"
    elif threads.opted_out():
        count, why = available, f"{threads.OPT_OUT}=default"
    else:
        follow = threads.FollowTheLoad()
        count = follow.threads
        how = ("threads sleep while they wait" if follow.passive
               else f"looked at again every {follow.every:g} s")
        why = f"{follow.idle:.1f} of {available} CPUs idle; {how}"
    torch.set_num_threads(count)
    return f"{count} thread(s) ({why})", follow


def thread_changes(follow: threads.FollowTheLoad | None, since: int = 0) -> list[str]:
    """The trainer's thread changes from the ``since``-th on, as lines for the console."""
    if follow is None:
        return []
    return [f"  {count} thread(s) from step {step + 1} ({idle:.1f} of {follow.available} CPUs idle)"
            for step, count, idle in follow.changes[since:]]
