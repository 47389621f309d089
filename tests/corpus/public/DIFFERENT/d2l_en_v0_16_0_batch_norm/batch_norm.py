# DIFFERS from the book's function: MAX pooling (nn.MaxPool2d(kernel_size=2, stride=2)) where the
#   book's LeNet-BN uses average pooling; shapes and parameter counts are the book's (a mistake
#   of that release, fixed in v0.16.6: compare ../../d2l_en_v0_16_6/batch_norm.py).
# Provenance: d2l-ai/d2l-en, tag v0.16.0 (commit d98c8865ab6cc191a57911d4399b8607bee81f49, 2021-01-05),
#   chapter_convolutional-modern/batch-norm.md, the `#@tab pytorch` cell of "Concise Implementation".
#   https://github.com/d2l-ai/d2l-en/blob/v0.16.0/chapter_convolutional-modern/batch-norm.md
# Licence: sample code under LICENSE-SAMPLECODE (modified MIT, no attribution required).
# Changes: the module-level `net = ...` wrapped in `def lenet_bn()`; d2l import dropped.
import torch
from torch import nn


def lenet_bn():
    net = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5), nn.BatchNorm2d(6), nn.Sigmoid(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.Sigmoid(),
        nn.MaxPool2d(kernel_size=2, stride=2), nn.Flatten(),
        nn.Linear(256, 120), nn.BatchNorm1d(120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.BatchNorm1d(84), nn.Sigmoid(),
        nn.Linear(84, 10))
    return net
