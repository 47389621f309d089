# Style source: Bureaux-Tao/d2l-pytorch, commit ab64f8f82d54bef6ec74ff7a27d311306bdd195e
#   (2022-05-07), src/ch7/ch7_6.py (`class Residual`, `resnet_block` and the ResNet `net`).
#   https://github.com/Bureaux-Tao/d2l-pytorch/blob/master/src/ch7/ch7_6.py
#   The repository has no licence file, so none of its code is copied: this file was written for
#   this corpus, imitating the layout of its model code only, with the book's layers.
# Licence of this file: same as the kit.
# Style exercised: the two paths built as nn.Sequential objects INSIDE forward from the
#   registered layers (the shortcut path wraps conv3 and is only used when conv3 exists), ONE
#   shared `self.relu = nn.ReLU(inplace = True)` used after bn1 and after the addition,
#   `Y += X`, and a FLAT top level: b1's four layers, the four stages, the pooling, Flatten and
#   Linear as 11 children of one nn.Sequential (the book has 8, with b1 nested).
import torch
from torch import nn


class Residual(nn.Module):
    def __init__(self, input_channels, num_channels,
                 use_1x1conv = False, strides = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(input_channels, num_channels,
                               kernel_size = 3, padding = 1, stride = strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels,
                               kernel_size = 3, padding = 1)
        if use_1x1conv:
            self.conv3 = nn.Conv2d(input_channels, num_channels,
                                   kernel_size = 1, stride = strides)
        else:
            self.conv3 = None
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)
        self.relu = nn.ReLU(inplace = True)

    def forward(self, X):
        main_path = nn.Sequential(
            self.conv1,
            self.bn1,
            self.relu,
            self.conv2,
            self.bn2
        )
        Y = main_path(X)
        if self.conv3:
            shortcut = nn.Sequential(
                self.conv3
            )
            X = shortcut(X)
        Y += X
        return self.relu(Y)


def resnet_block(input_channels, num_channels, num_residuals,
                 first_block = False):
    blk = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blk.append(Residual(input_channels, num_channels,
                                use_1x1conv = True, strides = 2))
        else:
            blk.append(Residual(num_channels, num_channels))
    return blk


def resnet18():
    net = nn.Sequential(
        nn.Conv2d(1, 64, kernel_size = 7, stride = 2, padding = 3),
        nn.BatchNorm2d(64), nn.ReLU(),
        nn.MaxPool2d(kernel_size = 3, stride = 2, padding = 1),
        nn.Sequential(*resnet_block(64, 64, 2, first_block = True)),
        nn.Sequential(*resnet_block(64, 128, 2)),
        nn.Sequential(*resnet_block(128, 256, 2)),
        nn.Sequential(*resnet_block(256, 512, 2)),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten(),
        nn.Linear(512, 10)
    )
    return net
