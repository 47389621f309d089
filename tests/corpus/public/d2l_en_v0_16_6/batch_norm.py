# Provenance: d2l-ai/d2l-en, tag v0.16.6 (commit 0d12ac3410106558611f48850c3aef902491f870, 2021-06-17),
#   chapter_convolutional-modern/batch-norm.md, the `#@tab pytorch` cell of "Concise Implementation"
#   (average pooling since this release; v0.16.0 used max pooling, see ../DIFFERENT/).
#   https://github.com/d2l-ai/d2l-en/blob/v0.16.6/chapter_convolutional-modern/batch-norm.md
# Licence: sample code under LICENSE-SAMPLECODE (modified MIT, no attribution required).
# Changes: module-level `net = ...` wrapped in `def lenet_bn()`; d2l import dropped. Otherwise
#   verbatim. (The chapter's from-scratch BatchNorm is not this network: see ../DIFFERENT/.)
# Style exercised: the concise version, `nn.Flatten()` on the same line as the second pooling layer.
import torch
from torch import nn


def lenet_bn():
    net = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5), nn.BatchNorm2d(6), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
        nn.Linear(256, 120), nn.BatchNorm1d(120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.BatchNorm1d(84), nn.Sigmoid(),
        nn.Linear(84, 10))
    return net
