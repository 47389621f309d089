"""GoogLeNet, style: descriptive attribute names, torch.relu / F.max_pool2d in forward,
branches computed in another order than concatenated, a hand-written flatten in b5."""
import torch
from torch import nn
from torch.nn import functional as F


class Flatten(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.view(x.size(0), -1)


class Inception(nn.Module):
    def __init__(self, in_channels, c1, c2, c3, c4, **kwargs):
        super().__init__(**kwargs)
        self.reduce5 = nn.Conv2d(in_channels, c3[0], 1)
        self.conv5 = nn.Conv2d(c3[0], c3[1], 5, padding=2)
        self.pool_proj = nn.Conv2d(in_channels, c4, 1)
        self.conv1 = nn.Conv2d(in_channels, c1, 1)
        self.reduce3 = nn.Conv2d(in_channels, c2[0], 1)
        self.conv3 = nn.Conv2d(c2[0], c2[1], 3, padding=1)

    def forward(self, x):
        branch3 = torch.relu(self.conv5(torch.relu(self.reduce5(x))))
        branch1 = torch.relu(self.conv1(x))
        branch4 = torch.relu(self.pool_proj(F.max_pool2d(x, 3, stride=1, padding=1)))
        branch2 = torch.relu(self.conv3(torch.relu(self.reduce3(x))))
        return torch.cat((branch1, branch2, branch3, branch4), 1)


def googlenet():
    def pool():
        return nn.MaxPool2d(3, stride=2, padding=1)

    b1 = nn.Sequential(nn.Conv2d(1, 64, 7, 2, 3), nn.ReLU(), pool())
    b2 = nn.Sequential(nn.Conv2d(64, 64, 1), nn.ReLU(),
                       nn.Conv2d(64, 192, 3, padding=1), nn.ReLU(), pool())
    b3 = nn.Sequential(*[Inception(*args) for args in (
        (192, 64, (96, 128), (16, 32), 32),
        (256, 128, (128, 192), (32, 96), 64))], pool())
    b4 = nn.Sequential(*[Inception(*args) for args in (
        (480, 192, (96, 208), (16, 48), 64),
        (512, 160, (112, 224), (24, 64), 64),
        (512, 128, (128, 256), (24, 64), 64),
        (512, 112, (144, 288), (32, 64), 64),
        (528, 256, (160, 320), (32, 128), 128))], pool())
    b5 = nn.Sequential(Inception(832, 256, (160, 320), (32, 128), 128),
                       Inception(832, 384, (192, 384), (48, 128), 128),
                       nn.AdaptiveAvgPool2d((1, 1)), Flatten())
    return nn.Sequential(b1, b2, b3, b4, b5, nn.Linear(1024, 10))
