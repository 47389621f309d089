"""GoogLeNet: networks with parallel branches.

An Inception block runs four branches on the same input and concatenates
their outputs along the channel axis. GoogLeNet stacks five stages b1..b5 of
convolutions and Inception blocks, then one fully connected layer.
"""
import torch
from torch import nn
from torch.nn import functional as F


class Inception(nn.Module):
    """The Inception block: four parallel branches, concatenated on channels.

    ``c1`` is an int, ``c2`` and ``c3`` are pairs, ``c4`` is an int:

    1. branch 1: ``Conv2d(in_channels -> c1, kernel 1)``
    2. branch 2: ``Conv2d(in_channels -> c2[0], kernel 1)``, ReLU,
       ``Conv2d(c2[0] -> c2[1], kernel 3, padding 1)``
    3. branch 3: ``Conv2d(in_channels -> c3[0], kernel 1)``, ReLU,
       ``Conv2d(c3[0] -> c3[1], kernel 5, padding 2)``
    4. branch 4: ``MaxPool2d(kernel 3, stride 1, padding 1)``,
       ``Conv2d(in_channels -> c4, kernel 1)``

    Each branch ends with a ReLU. ``forward`` returns the four branch outputs
    concatenated in this order on dimension 1, so the block has
    ``c1 + c2[1] + c3[1] + c4`` output channels and keeps height and width.
    """

    def __init__(self, in_channels, c1, c2, c3, c4, **kwargs):
        super().__init__(**kwargs)
        ### BEGIN SOLUTION
        self.p1_1 = nn.Conv2d(in_channels, c1, kernel_size=1)
        self.p2_1 = nn.Conv2d(in_channels, c2[0], kernel_size=1)
        self.p2_2 = nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1)
        self.p3_1 = nn.Conv2d(in_channels, c3[0], kernel_size=1)
        self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2)
        self.p4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
        self.p4_2 = nn.Conv2d(in_channels, c4, kernel_size=1)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        p1 = F.relu(self.p1_1(x))
        p2 = F.relu(self.p2_2(F.relu(self.p2_1(x))))
        p3 = F.relu(self.p3_2(F.relu(self.p3_1(x))))
        p4 = F.relu(self.p4_2(self.p4_1(x)))
        return torch.cat((p1, p2, p3, p4), dim=1)
        ### END SOLUTION


def googlenet():
    """Build the book's GoogLeNet for 1-channel 96x96 input: ``nn.Sequential(b1, b2, b3, b4, b5, Linear(1024 -> 10))``.

    - ``b1``: ``Conv2d(1 -> 64, kernel 7, stride 2, padding 3)``, ReLU,
      ``MaxPool2d(kernel 3, stride 2, padding 1)``
    - ``b2``: ``Conv2d(64 -> 64, kernel 1)``, ReLU,
      ``Conv2d(64 -> 192, kernel 3, padding 1)``, ReLU,
      ``MaxPool2d(kernel 3, stride 2, padding 1)``
    - ``b3``: ``Inception(192, 64, (96, 128), (16, 32), 32)``,
      ``Inception(256, 128, (128, 192), (32, 96), 64)``, max pool as in b1
    - ``b4``: ``Inception(480, 192, (96, 208), (16, 48), 64)``,
      ``Inception(512, 160, (112, 224), (24, 64), 64)``,
      ``Inception(512, 128, (128, 256), (24, 64), 64)``,
      ``Inception(512, 112, (144, 288), (32, 64), 64)``,
      ``Inception(528, 256, (160, 320), (32, 128), 128)``, max pool as in b1
    - ``b5``: ``Inception(832, 256, (160, 320), (32, 128), 128)``,
      ``Inception(832, 384, (192, 384), (48, 128), 128)``,
      ``AdaptiveAvgPool2d((1, 1))``, ``Flatten``

    Each of b1..b5 is an ``nn.Sequential``.
    """
    ### BEGIN SOLUTION
    b1 = nn.Sequential(
        nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b2 = nn.Sequential(
        nn.Conv2d(64, 64, kernel_size=1), nn.ReLU(),
        nn.Conv2d(64, 192, kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b3 = nn.Sequential(
        Inception(192, 64, (96, 128), (16, 32), 32),
        Inception(256, 128, (128, 192), (32, 96), 64),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b4 = nn.Sequential(
        Inception(480, 192, (96, 208), (16, 48), 64),
        Inception(512, 160, (112, 224), (24, 64), 64),
        Inception(512, 128, (128, 256), (24, 64), 64),
        Inception(512, 112, (144, 288), (32, 64), 64),
        Inception(528, 256, (160, 320), (32, 128), 128),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b5 = nn.Sequential(
        Inception(832, 256, (160, 320), (32, 128), 128),
        Inception(832, 384, (192, 384), (48, 128), 128),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten())
    return nn.Sequential(b1, b2, b3, b4, b5, nn.Linear(1024, 10))
    ### END SOLUTION
