"""AlexNet, style: OrderedDict, in-place ReLUs, tuple kernel sizes, padding='same' where equivalent."""
from collections import OrderedDict

from torch import nn


def alexnet():
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(1, 96, kernel_size=(11, 11), stride=(4, 4), padding=(1, 1))),
        ("relu1", nn.ReLU(inplace=True)),
        ("pool1", nn.MaxPool2d(kernel_size=(3, 3), stride=(2, 2))),
        ("conv2", nn.Conv2d(96, 256, kernel_size=(5, 5), padding="same")),
        ("relu2", nn.ReLU(inplace=True)),
        ("pool2", nn.MaxPool2d(3, 2)),
        ("conv3", nn.Conv2d(256, 384, 3, padding="same")),
        ("relu3", nn.ReLU(inplace=True)),
        ("conv4", nn.Conv2d(384, 384, 3, padding="same")),
        ("relu4", nn.ReLU(inplace=True)),
        ("conv5", nn.Conv2d(384, 256, 3, padding="same")),
        ("relu5", nn.ReLU(inplace=True)),
        ("pool5", nn.MaxPool2d(3, 2)),
        ("flatten", nn.Flatten(1)),
        ("fc6", nn.Linear(256 * 5 * 5, 4096)),
        ("relu6", nn.ReLU(inplace=True)),
        ("drop6", nn.Dropout(0.5)),
        ("fc7", nn.Linear(4096, 4096)),
        ("relu7", nn.ReLU(inplace=True)),
        ("drop7", nn.Dropout(p=0.5)),
        ("fc8", nn.Linear(4096, 10)),
    ]))
