"""How each network is trained: the book's runs, the kit's recipes, and the grader's training check.

Plain data and the rules that read it, with no torch: the grading process reads the check's plan
(``training_check_plan``) without loading what trains (``train.py``, in the sandbox's children).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.json"


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


# -- the grader's check -----------------------------------------------------------------

# On 2 CPU cores these train too slowly at the sizes their layers allow to
# reach a meaningful accuracy in about a minute (measured with the fast
# recipe, torch 2.14, 2 cores, November 2026).
CPU_SKIP = {
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


def device_kind(device) -> str:
    kind = str(getattr(device, "type", device)).split(":")[0]      # "cuda:0" and torch.device("cuda") too
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
    kind = device_kind(device)
    run = CHECK_RUNS[kind].get(module, {})
    return replace(fast_recipe(module, kind), **{k: run[k] for k in ("batch_size", "lr") if k in run})


def training_skip_reason(module: str, device: str) -> str:
    """Why ``training_check_plan(module, device)`` is None ('' when it is not)."""
    kind = device_kind(device)
    if module not in BOOK:
        return f"no training check for unknown network {module!r}"
    if module in CHECK_RUNS[kind]:
        entry = load_calibration().get(kind, {}).get(module)
        if entry is None or "target" not in entry:
            return f"{module} on {kind}: no target in {CALIBRATION_FILE.name} (run benchmarks/calibrate.py)"
        return ""
    return CPU_SKIP.get(module, f"{module} has no training check on {kind}")


def training_check_plan(module: str, device: str) -> dict | None:
    """The short ``fast`` run the grader does for ``module`` on ``device`` ("cpu" or "cuda"), or None.

    Keys: module, device, recipe, input_size, batch_size, steps, lr,
    test_images, target (test accuracy to reach), calibrated (False for the
    CUDA plans until ``benchmarks/gpu.sh`` has run), calibration (how the
    target was set).
    """
    if training_skip_reason(module, device):
        return None
    kind = device_kind(device)
    recipe = check_recipe(module, kind)
    run = CHECK_RUNS[kind][module]
    entry = load_calibration()[kind][module]
    return {"module": module, "device": kind, "recipe": "fast", "input_size": recipe.input_size,
            "batch_size": recipe.batch_size, "steps": run["steps"], "lr": recipe.lr,
            "test_images": run["test_images"], "target": entry["target"],
            "calibrated": bool(entry.get("calibrated")), "calibration": entry.get("rule", "")}
