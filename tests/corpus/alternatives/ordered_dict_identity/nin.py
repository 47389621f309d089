"""NiN, style: OrderedDict inside the block, tuple 1x1 kernels, in-place ReLUs, nets from a list."""
from collections import OrderedDict

from torch import nn


def nin_block(in_channels, out_channels, kernel_size, strides, padding):
    return nn.Sequential(OrderedDict([
        ("conv", nn.Conv2d(in_channels, out_channels, kernel_size=kernel_size,
                           stride=strides, padding=padding)),
        ("relu", nn.ReLU(inplace=True)),
        ("mlp1", nn.Conv2d(out_channels, out_channels, kernel_size=(1, 1))),
        ("relu1", nn.ReLU(inplace=True)),
        ("mlp2", nn.Conv2d(out_channels, out_channels, kernel_size=(1, 1))),
        ("relu2", nn.ReLU(inplace=True)),
    ]))


def nin():
    layers = [
        nin_block(1, 96, 11, 4, 0), nn.MaxPool2d((3, 3), (2, 2)),
        nin_block(96, 256, 5, 1, 2), nn.MaxPool2d((3, 3), (2, 2)),
        nin_block(256, 384, 3, 1, 1), nn.MaxPool2d((3, 3), (2, 2)),
        nn.Dropout(p=0.5),
        nin_block(384, 10, 3, 1, 1),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(1),
    ]
    return nn.Sequential(*layers)
