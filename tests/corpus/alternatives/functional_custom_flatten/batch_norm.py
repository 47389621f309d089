"""LeNet with BatchNorm, style: a helper returning (layer, norm, activation), hand-written Flatten."""
import torch
from torch import nn


class Flatten(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.view(x.size(0), -1)


def _normalized(layer, norm):
    return [layer, norm, nn.Sigmoid()]


def lenet_bn():
    return nn.Sequential(
        *_normalized(nn.Conv2d(1, 6, 5), nn.BatchNorm2d(6)),
        nn.AvgPool2d(2, 2),
        *_normalized(nn.Conv2d(6, 16, 5), nn.BatchNorm2d(16)),
        nn.AvgPool2d(2, 2),
        Flatten(),
        *_normalized(nn.Linear(256, 120), nn.BatchNorm1d(120)),
        *_normalized(nn.Linear(120, 84), nn.BatchNorm1d(84)),
        nn.Linear(84, 10),
    )
