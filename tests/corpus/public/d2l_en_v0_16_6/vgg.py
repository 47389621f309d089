# Provenance: d2l-ai/d2l-en, tag v0.16.6 (commit 0d12ac3410106558611f48850c3aef902491f870, 2021-06-17),
#   chapter_convolutional-modern/vgg.md, `#@tab pytorch` / `#@tab all` cells.
#   https://github.com/d2l-ai/d2l-en/blob/v0.16.6/chapter_convolutional-modern/vgg.md
# Licence: sample code under LICENSE-SAMPLECODE (modified MIT, no attribution required).
# Changes: d2l import and the module-level `net = vgg(conv_arch)` dropped. Otherwise verbatim.
# Style exercised: the book's own spelling (`MaxPool2d(kernel_size=2,stride=2)`), the
#   convolutional part appended block by block.
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
    # The convolutional part
    for (num_convs, out_channels) in conv_arch:
        conv_blks.append(vgg_block(num_convs, in_channels, out_channels))
        in_channels = out_channels

    return nn.Sequential(
        *conv_blks, nn.Flatten(),
        # The fully-connected part
        nn.Linear(out_channels * 7 * 7, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, 10))
