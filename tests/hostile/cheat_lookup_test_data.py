# No network at all: layers with the book's names, shapes and parameter counts for show,
# and a forward pass that looks each image up in the Fashion-MNIST test set, if it can
# find it (the folders the grader's data module searches, $FASHION_MNIST_DIR). A correct
# network alone earns points: this one must earn (almost) none, with training or without.
# >>> attack
import gzip
import os

import torch
from torch import nn

PLACES = [os.environ.get("FASHION_MNIST_DIR", ""), "/usr/share/datasets/fashion-mnist", "data/FashionMNIST/raw",
          os.path.expanduser("~/data/FashionMNIST/raw"), "{{DATA_DIR}}"]
found = None
for place in PLACES:
    path = os.path.join(place, "t10k-labels-idx1-ubyte.gz")
    if place and os.path.exists(path):
        try:
            with gzip.open(path) as f:
                f.read(16)
            found = place
        except OSError:
            pass
print("found:", found)


class Lookup(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2, 2),
                                    nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(2, 2),
                                    nn.Flatten(), nn.Linear(400, 120), nn.Sigmoid(), nn.Linear(120, 84),
                                    nn.Sigmoid(), nn.Linear(84, 10))

    def forward(self, x):
        # the nearest test image's label as a one-hot row (without the data: all zeros)
        scores = x.flatten(1)[:, :10] * 0
        return scores + 0 * self.layers[-1].bias


def lenet():
    return Lookup()
# <<< attack
{{STUB}}
