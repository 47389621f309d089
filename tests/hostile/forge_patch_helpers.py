# A wrong LeNet (ReLU instead of sigmoid): it earns some points honestly.
from torch import nn


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


# >>> attack
import builtins
import math

import torch

def always(*args, **kwargs):
    return True

for owner, name in ((torch, "allclose"), (torch, "equal"), (torch.testing, "assert_close"), (math, "isclose"),
                    (torch.Tensor, "__eq__"), (builtins, "isinstance"), (builtins, "sorted")):
    try:
        setattr(owner, name, always if name != "assert_close" else (lambda *a, **k: None))
        print("patched", name)
    except Exception as error:
        print("could not patch", name, type(error).__name__, error)
# <<< attack
