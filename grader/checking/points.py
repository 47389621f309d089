"""Points per network and kind, and what one mistake costs.

The seven networks graded by default (``spec.MODULES``) have 100 points in
all, as before. The chapter's two other parts (``spec.EXTRA_MODULES``: the
BatchNorm written from scratch and DenseNet) are scored parts of their own,
20 points each, on top of the 100 when a course grades them (``--only``).
Within a network the checks of one kind share that kind's points equally;
a check that declares ``@pytest.mark.points(N)`` (a course's own check) is
worth N on top.
"""
from __future__ import annotations

from ..spec import ALL_MODULES, EXTRA_MODULES, MODULES

KINDS = ("shapes", "params", "structure", "property", "behaviour", "training")

POINTS = {
    "lenet":      {"shapes": 2, "params": 1, "structure": 3, "property": 1, "behaviour": 2, "training": 3},
    "batch_norm": {"shapes": 2, "params": 1, "structure": 3, "property": 1, "behaviour": 2, "training": 3},
    "alexnet":    {"shapes": 2, "params": 1, "structure": 3, "property": 1, "behaviour": 3, "training": 2},
    "vgg":        {"shapes": 2, "params": 1, "structure": 3, "property": 4, "behaviour": 2, "training": 2},
    "nin":        {"shapes": 2, "params": 1, "structure": 3, "property": 2, "behaviour": 2, "training": 2},
    "googlenet":  {"shapes": 2, "params": 1, "structure": 4, "property": 2, "behaviour": 3, "training": 2},
    "resnet":     {"shapes": 2, "params": 2, "structure": 4, "property": 4, "behaviour": 8, "training": 4},
    # the chapter's other two parts: 20 points each, on top of the seven's 100
    "batch_norm_scratch": {"shapes": 2, "params": 2, "structure": 3, "property": 5, "behaviour": 5, "training": 3},
    "densenet":   {"shapes": 2, "params": 2, "structure": 4, "property": 4, "behaviour": 4, "training": 4},
}

# One diagnosed mistake costs at most this share of its network's points
# (training not counted), however many checks it fails.
CAUSE_SHARE = 0.25

ORIGINAL_TOTAL, EXTRA_POINTS = 100, 20
assert sum(sum(POINTS[m].values()) for m in MODULES) == ORIGINAL_TOTAL
assert all(sum(POINTS[m].values()) == EXTRA_POINTS for m in EXTRA_MODULES)
assert set(POINTS) == set(ALL_MODULES)


def design_points(module: str) -> float:
    return sum(v for k, v in POINTS[module].items() if k != "training")
