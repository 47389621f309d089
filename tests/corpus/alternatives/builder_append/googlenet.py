"""GoogLeNet, style: Inception branches in an nn.ModuleList concatenated by a comprehension,
positional pooling arguments, AdaptiveAvgPool2d(1)."""
import torch
from torch import nn


class Inception(nn.Module):
    def __init__(self, in_channels, c1, c2, c3, c4, **kwargs):
        super().__init__(**kwargs)
        relu = lambda: nn.ReLU(inplace=True)   # noqa: E731
        self.branches = nn.ModuleList([
            nn.Sequential(nn.Conv2d(in_channels, c1, 1), relu()),
            nn.Sequential(nn.Conv2d(in_channels, c2[0], 1), relu(),
                          nn.Conv2d(c2[0], c2[1], 3, 1, 1), relu()),
            nn.Sequential(nn.Conv2d(in_channels, c3[0], 1), relu(),
                          nn.Conv2d(c3[0], c3[1], 5, 1, 2), relu()),
            nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(in_channels, c4, 1), relu()),
        ])

    def forward(self, x):
        return torch.cat([branch(x) for branch in self.branches], dim=1)


def googlenet():
    net = nn.Sequential()
    net.append(nn.Sequential(nn.Conv2d(1, 64, 7, 2, 3), nn.ReLU(), nn.MaxPool2d(3, 2, 1)))
    net.append(nn.Sequential(nn.Conv2d(64, 64, 1), nn.ReLU(),
                             nn.Conv2d(64, 192, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(3, 2, 1)))
    stages = (
        [(192, 64, (96, 128), (16, 32), 32), (256, 128, (128, 192), (32, 96), 64)],
        [(480, 192, (96, 208), (16, 48), 64), (512, 160, (112, 224), (24, 64), 64),
         (512, 128, (128, 256), (24, 64), 64), (512, 112, (144, 288), (32, 64), 64),
         (528, 256, (160, 320), (32, 128), 128)],
    )
    for stage in stages:
        block = nn.Sequential(*(Inception(*cfg) for cfg in stage))
        block.append(nn.MaxPool2d(3, 2, 1))
        net.append(block)
    net.append(nn.Sequential(Inception(832, 256, (160, 320), (32, 128), 128),
                             Inception(832, 384, (192, 384), (48, 128), 128),
                             nn.AdaptiveAvgPool2d(1), nn.Flatten()))
    net.append(nn.Linear(1024, 10))
    return net
