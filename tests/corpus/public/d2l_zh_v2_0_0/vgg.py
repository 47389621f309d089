# Provenance: d2l-ai/d2l-zh (《动手学深度学习》第二版), tag v2.0.0 (commit 3edee269d4c99153a1f57f263381df90e814c713,
#   2022-12-07; these cells unchanged at master e6b18cce, 2023-08), chapter_convolutional-modern/vgg.md, the `#@tab pytorch` cells.
#   https://github.com/d2l-ai/d2l-zh/blob/v2.0.0/chapter_convolutional-modern/vgg.md
# Licence: Apache-2.0 (the repository's LICENSE). Copyright the d2l-zh authors; modified as stated.
# Changes: d2l import and the module-level `net = vgg(conv_arch)` dropped. Otherwise verbatim.
# Style exercised: the Chinese edition verbatim.
import torch
from torch import nn


def vgg_block(num_convs, in_channels, out_channels):
    layers = []
    for _ in range(num_convs):
        layers.append(nn.Conv2d(in_channels, out_channels,
                                kernel_size=3, padding=1))
        layers.append(nn.ReLU())
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2,stride=2))
    return nn.Sequential(*layers)


conv_arch = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


def vgg(conv_arch):
    conv_blks = []
    in_channels = 1
    # 卷积层部分
    for (num_convs, out_channels) in conv_arch:
        conv_blks.append(vgg_block(num_convs, in_channels, out_channels))
        in_channels = out_channels

    return nn.Sequential(
        *conv_blks, nn.Flatten(),
        # 全连接层部分
        nn.Linear(out_channels * 7 * 7, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, 10))
