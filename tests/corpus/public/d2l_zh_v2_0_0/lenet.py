# Provenance: d2l-ai/d2l-zh (《动手学深度学习》第二版), tag v2.0.0 (commit 3edee269d4c99153a1f57f263381df90e814c713,
#   2022-12-07; these cells unchanged at master e6b18cce, 2023-08), chapter_convolutional-neural-networks/lenet.md, the `#@tab pytorch` cells.
#   https://github.com/d2l-ai/d2l-zh/blob/v2.0.0/chapter_convolutional-neural-networks/lenet.md
# Licence: Apache-2.0 (the repository's LICENSE). Copyright the d2l-zh authors; modified as stated.
# Changes: the module-level `net = ...` is wrapped in `def lenet()`; d2l import dropped.
# Style exercised: the Chinese edition verbatim: the text the kit follows (baseline: must pass).
import torch
from torch import nn


def lenet():
    net = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))
    return net
