"""Points per network and kind (100 in all), and what one mistake costs.

Within a network the checks of one kind share that kind's points equally;
a check that declares ``@pytest.mark.points(N)`` (a course's own check) is
worth N on top.
"""
from __future__ import annotations

KINDS = ("shapes", "params", "structure", "property", "behaviour", "training")

POINTS = {
    "lenet":      {"shapes": 2, "params": 1, "structure": 3, "property": 1, "behaviour": 2, "training": 3},
    "batch_norm": {"shapes": 2, "params": 1, "structure": 3, "property": 1, "behaviour": 2, "training": 3},
    "alexnet":    {"shapes": 2, "params": 1, "structure": 3, "property": 1, "behaviour": 3, "training": 2},
    "vgg":        {"shapes": 2, "params": 1, "structure": 3, "property": 4, "behaviour": 2, "training": 2},
    "nin":        {"shapes": 2, "params": 1, "structure": 3, "property": 2, "behaviour": 2, "training": 2},
    "googlenet":  {"shapes": 2, "params": 1, "structure": 4, "property": 2, "behaviour": 3, "training": 2},
    "resnet":     {"shapes": 2, "params": 2, "structure": 4, "property": 4, "behaviour": 8, "training": 4},
}

# One diagnosed mistake costs at most this share of its network's points
# (training not counted), however many checks it fails.
CAUSE_SHARE = 0.25

assert sum(sum(p.values()) for p in POINTS.values()) == 100


def design_points(module: str) -> float:
    return sum(v for k, v in POINTS[module].items() if k != "training")
