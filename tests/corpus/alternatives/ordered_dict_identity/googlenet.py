"""GoogLeNet, style: Inception branches as nn.Sequential (ReLUs inside), registered and
computed from the last branch to the first but concatenated in the book's order."""
from collections import OrderedDict

import torch
from torch import nn


class Inception(nn.Module):
    def __init__(self, in_channels, c1, c2, c3, c4, **kwargs):
        super().__init__(**kwargs)
        self.pool_proj = nn.Sequential(
            nn.MaxPool2d(kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)),
            nn.Conv2d(in_channels, c4, kernel_size=(1, 1)), nn.ReLU(inplace=True))
        self.branch5x5 = nn.Sequential(
            nn.Conv2d(in_channels, c3[0], kernel_size=(1, 1)), nn.ReLU(inplace=True),
            nn.Conv2d(c3[0], c3[1], kernel_size=(5, 5), padding="same"), nn.ReLU(inplace=True))
        self.branch3x3 = nn.Sequential(
            nn.Conv2d(in_channels, c2[0], kernel_size=(1, 1)), nn.ReLU(inplace=True),
            nn.Conv2d(c2[0], c2[1], kernel_size=(3, 3), padding="same"), nn.ReLU(inplace=True))
        self.branch1x1 = nn.Sequential(
            nn.Conv2d(in_channels, c1, kernel_size=(1, 1)), nn.ReLU(inplace=True))

    def forward(self, x):
        p4 = self.pool_proj(x)
        p3 = self.branch5x5(x)
        p2 = self.branch3x3(x)
        p1 = self.branch1x1(x)
        return torch.cat([p1, p2, p3, p4], dim=1)


def googlenet():
    b1 = nn.Sequential(OrderedDict([
        ("conv", nn.Conv2d(1, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3))),
        ("relu", nn.ReLU(inplace=True)),
        ("pool", nn.MaxPool2d(kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))),
    ]))
    b2 = nn.Sequential(OrderedDict([
        ("reduce", nn.Conv2d(64, 64, kernel_size=(1, 1))),
        ("relu1", nn.ReLU(inplace=True)),
        ("conv", nn.Conv2d(64, 192, kernel_size=(3, 3), padding="same")),
        ("relu2", nn.ReLU(inplace=True)),
        ("pool", nn.MaxPool2d(3, 2, 1)),
    ]))
    b3 = nn.Sequential(OrderedDict([
        ("inception3a", Inception(192, 64, (96, 128), (16, 32), 32)),
        ("inception3b", Inception(256, 128, (128, 192), (32, 96), 64)),
        ("pool", nn.MaxPool2d(3, 2, 1)),
    ]))
    b4 = nn.Sequential(OrderedDict([
        ("inception4a", Inception(480, 192, (96, 208), (16, 48), 64)),
        ("inception4b", Inception(512, 160, (112, 224), (24, 64), 64)),
        ("inception4c", Inception(512, 128, (128, 256), (24, 64), 64)),
        ("inception4d", Inception(512, 112, (144, 288), (32, 64), 64)),
        ("inception4e", Inception(528, 256, (160, 320), (32, 128), 128)),
        ("pool", nn.MaxPool2d(3, 2, 1)),
    ]))
    b5 = nn.Sequential(OrderedDict([
        ("inception5a", Inception(832, 256, (160, 320), (32, 128), 128)),
        ("inception5b", Inception(832, 384, (192, 384), (48, 128), 128)),
        ("gap", nn.AdaptiveAvgPool2d(1)),
        ("flatten", nn.Flatten(1)),
    ]))
    return nn.Sequential(OrderedDict([
        ("b1", b1), ("b2", b2), ("b3", b3), ("b4", b4), ("b5", b5),
        ("fc", nn.Linear(1024, 10)),
    ]))
