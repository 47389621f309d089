# Provenance: d2l-ai/d2l-en, tag v0.16.6 (commit 0d12ac3410106558611f48850c3aef902491f870, 2021-06-17),
#   chapter_convolutional-neural-networks/lenet.md, the `#@tab pytorch` cell that defines `net`.
#   https://github.com/d2l-ai/d2l-en/blob/v0.16.6/chapter_convolutional-neural-networks/lenet.md
# Licence: the book's sample code is under the modified MIT licence of LICENSE-SAMPLECODE
#   (MIT No Attribution); the prose is CC BY-SA 4.0 (nothing of it is copied here).
# Changes: the cell's module-level `net = ...` is wrapped in `def lenet()` (the kit's name);
#   `from d2l import torch as d2l` is dropped. Code otherwise verbatim.
# Style exercised: the older English edition's no-op `Reshape` module (x.view(-1, 1, 28, 28)) as
#   the first layer, `torch.nn.Sequential` spelled out, 13 top-level layers instead of 12.
import torch
from torch import nn


class Reshape(torch.nn.Module):
    def forward(self, x):
        return x.view(-1, 1, 28, 28)


def lenet():
    net = torch.nn.Sequential(
        Reshape(),
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))
    return net
