# Provenance: d2l-ai/d2l-zh (《动手学深度学习》第二版), tag v2.0.0 (commit 3edee269d4c99153a1f57f263381df90e814c713,
#   2022-12-07; these cells unchanged at master e6b18cce, 2023-08), chapter_convolutional-modern/nin.md, the `#@tab pytorch` cells.
#   https://github.com/d2l-ai/d2l-zh/blob/v2.0.0/chapter_convolutional-modern/nin.md
# Licence: Apache-2.0 (the repository's LICENSE). Copyright the d2l-zh authors; modified as stated.
# Changes: the module-level `net = ...` is wrapped in `def nin()`; d2l import dropped.
# Style exercised: the Chinese edition verbatim.
import torch
from torch import nn


def nin_block(in_channels, out_channels, kernel_size, strides, padding):
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding),
        nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU())


def nin():
    net = nn.Sequential(
        nin_block(1, 96, kernel_size=11, strides=4, padding=0),
        nn.MaxPool2d(3, stride=2),
        nin_block(96, 256, kernel_size=5, strides=1, padding=2),
        nn.MaxPool2d(3, stride=2),
        nin_block(256, 384, kernel_size=3, strides=1, padding=1),
        nn.MaxPool2d(3, stride=2),
        nn.Dropout(0.5),
        # 标签类别数是10
        nin_block(384, 10, kernel_size=3, strides=1, padding=1),
        nn.AdaptiveAvgPool2d((1, 1)),
        # 将四维的输出转成二维的输出，其形状为(批量大小,10)
        nn.Flatten())
    return net
