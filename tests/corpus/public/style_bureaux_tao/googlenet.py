# Style source: Bureaux-Tao/d2l-pytorch, commit ab64f8f82d54bef6ec74ff7a27d311306bdd195e
#   (2022-05-07), src/ch7/ch7_4.py (`class Inception` and the GoogLeNet `net`).
#   https://github.com/Bureaux-Tao/d2l-pytorch/blob/master/src/ch7/ch7_4.py
#   The repository has no licence file, so none of its code is copied: this file was written for
#   this corpus, imitating the layout of its model code only, with the book's layers.
# Licence of this file: same as the kit.
#   (The source itself differs from the book's function: an extra ReLU before the pooling
#   branch's 1x1 convolution, no ReLU after b2's 3x3 convolution, Dropout(0.2) before the last
#   layer. See ../DIFFERENT/bureaux_tao_style_googlenet. This file keeps the style, not the
#   differences.)
# Style exercised: the four branches built as nn.Sequential objects INSIDE forward from the
#   registered layers, one shared `self.relu = nn.ReLU()` module registered after the
#   convolutions and called 8 times, and the whole GoogLeNet as ONE flat nn.Sequential of 22
#   layers (no b1..b5 stages: the book's table has 6 rows).
import torch
from torch import nn


class Inception(nn.Module):
    # c1..c4: output channels of the four routes
    def __init__(self, in_channels, c1, c2, c3, c4, **kwargs):
        super(Inception, self).__init__(**kwargs)
        # route 1: 1 x 1 convolution
        self.p1_1 = nn.Conv2d(in_channels, c1, kernel_size = 1)
        # route 2: 1 x 1 convolution, then 3 x 3 convolution
        self.p2_1 = nn.Conv2d(in_channels, c2[0], kernel_size = 1)
        self.p2_2 = nn.Conv2d(c2[0], c2[1], kernel_size = 3, padding = 1)
        # route 3: 1 x 1 convolution, then 5 x 5 convolution
        self.p3_1 = nn.Conv2d(in_channels, c3[0], kernel_size = 1)
        self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size = 5, padding = 2)
        # route 4: 3 x 3 max pooling, then 1 x 1 convolution
        self.p4_1 = nn.MaxPool2d(kernel_size = 3, stride = 1, padding = 1)
        self.p4_2 = nn.Conv2d(in_channels, c4, kernel_size = 1)
        self.relu = nn.ReLU()

    def forward(self, x):
        route_1 = nn.Sequential(
            self.p1_1,
            self.relu
        )

        route_2 = nn.Sequential(
            self.p2_1,
            self.relu,
            self.p2_2,
            self.relu
        )

        route_3 = nn.Sequential(
            self.p3_1,
            self.relu,
            self.p3_2,
            self.relu
        )

        route_4 = nn.Sequential(
            self.p4_1,
            self.p4_2,
            self.relu
        )

        # concatenate the routes on the channel dimension
        return torch.cat((route_1(x), route_2(x), route_3(x), route_4(x)), dim = 1)


def googlenet():
    net = nn.Sequential(
        nn.Conv2d(1, 64, kernel_size = 7, stride = 2, padding = 3),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size = 3, stride = 2, padding = 1),
        nn.Conv2d(64, 64, kernel_size = 1),
        nn.ReLU(),
        nn.Conv2d(64, 192, kernel_size = 3, padding = 1),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size = 3, stride = 2, padding = 1),
        Inception(192, 64, (96, 128), (16, 32), 32),
        Inception(256, 128, (128, 192), (32, 96), 64),
        nn.MaxPool2d(kernel_size = 3, stride = 2, padding = 1),
        Inception(480, 192, (96, 208), (16, 48), 64),
        Inception(512, 160, (112, 224), (24, 64), 64),
        Inception(512, 128, (128, 256), (24, 64), 64),
        Inception(512, 112, (144, 288), (32, 64), 64),
        Inception(528, 256, (160, 320), (32, 128), 128),
        nn.MaxPool2d(kernel_size = 3, stride = 2, padding = 1),
        Inception(832, 256, (160, 320), (32, 128), 128),
        Inception(832, 384, (192, 384), (48, 128), 128),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten(),
        nn.Linear(1024, 10)
    )
    return net
