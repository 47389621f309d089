"""LeNet, style: named layers from an OrderedDict, tuple kernel sizes, AvgPool2d(2), Flatten(1)."""
from collections import OrderedDict

from torch import nn


def lenet():
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(1, 6, kernel_size=(5, 5), padding="same")),
        ("act1", nn.Sigmoid()),
        ("pool1", nn.AvgPool2d((2, 2))),
        ("conv2", nn.Conv2d(6, 16, (5, 5))),
        ("act2", nn.Sigmoid()),
        ("pool2", nn.AvgPool2d(2)),
        ("flatten", nn.Flatten(1)),
        ("fc1", nn.Linear(400, 120)),
        ("act3", nn.Sigmoid()),
        ("fc2", nn.Linear(120, 84)),
        ("act4", nn.Sigmoid()),
        ("out", nn.Linear(84, 10)),
    ]))
