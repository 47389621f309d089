"""LeNet with BatchNorm, style: OrderedDict, BatchNorm defaults spelled out, Flatten(1)."""
from collections import OrderedDict

from torch import nn


def lenet_bn():
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(1, 6, kernel_size=(5, 5))),
        ("bn1", nn.BatchNorm2d(6, eps=1e-5, momentum=0.1, affine=True)),
        ("sig1", nn.Sigmoid()),
        ("pool1", nn.AvgPool2d(2)),
        ("conv2", nn.Conv2d(6, 16, kernel_size=(5, 5))),
        ("bn2", nn.BatchNorm2d(num_features=16)),
        ("sig2", nn.Sigmoid()),
        ("pool2", nn.AvgPool2d(kernel_size=(2, 2), stride=(2, 2))),
        ("flat", nn.Flatten(1)),
        ("fc1", nn.Linear(16 * 4 * 4, 120)),
        ("bn3", nn.BatchNorm1d(120, eps=1e-5, momentum=0.1)),
        ("sig3", nn.Sigmoid()),
        ("fc2", nn.Linear(120, 84)),
        ("bn4", nn.BatchNorm1d(84, track_running_stats=True)),
        ("sig4", nn.Sigmoid()),
        ("fc3", nn.Linear(84, 10)),
    ]))
