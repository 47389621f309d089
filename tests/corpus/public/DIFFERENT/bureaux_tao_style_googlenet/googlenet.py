# DIFFERS from the book's function, three ways, none visible in shapes or parameter counts:
#   (1) the Inception block's pooling route applies a ReLU between the max pooling and the 1x1
#       convolution (route_4 = MaxPool, ReLU, Conv, ReLU) -- harmless when the block's input is
#       already non-negative, different for a signed input (as in the block example, or here:
#       see 2);
#   (2) no ReLU after b2's 3x3 convolution, so the first Inception block gets signed input;
#   (3) an extra nn.Dropout(0.2) before the last Linear layer (train mode only).
# Style source: Bureaux-Tao/d2l-pytorch (a learner's scripts for d2l-zh v2), commit
#   ab64f8f82d54bef6ec74ff7a27d311306bdd195e (2022-05-07), src/ch7/ch7_4.py.
#   https://github.com/Bureaux-Tao/d2l-pytorch/blob/master/src/ch7/ch7_4.py
#   The repository has no licence file, so none of its code is copied: this file was written for
#   this corpus and reproduces only the network that script builds (routes assembled as
#   nn.Sequentials in forward from registered layers, one shared ReLU, a flat top level).
# Licence of this file: same as the kit.
import torch
from torch import nn


class Inception(nn.Module):
    def __init__(self, in_channels, c1, c2, c3, c4, **kwargs):
        super(Inception, self).__init__(**kwargs)
        self.p1_1 = nn.Conv2d(in_channels, c1, kernel_size = 1)
        self.p2_1 = nn.Conv2d(in_channels, c2[0], kernel_size = 1)
        self.p2_2 = nn.Conv2d(c2[0], c2[1], kernel_size = 3, padding = 1)
        self.p3_1 = nn.Conv2d(in_channels, c3[0], kernel_size = 1)
        self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size = 5, padding = 2)
        self.p4_1 = nn.MaxPool2d(kernel_size = 3, stride = 1, padding = 1)
        self.p4_2 = nn.Conv2d(in_channels, c4, kernel_size = 1)
        self.relu = nn.ReLU()

    def forward(self, x):
        route_1 = nn.Sequential(self.p1_1, self.relu)
        route_2 = nn.Sequential(self.p2_1, self.relu, self.p2_2, self.relu)
        route_3 = nn.Sequential(self.p3_1, self.relu, self.p3_2, self.relu)
        route_4 = nn.Sequential(self.p4_1, self.relu, self.p4_2, self.relu)
        return torch.cat((route_1(x), route_2(x), route_3(x), route_4(x)), dim = 1)


def googlenet():
    return nn.Sequential(
        nn.Conv2d(1, 64, kernel_size = 7, stride = 2, padding = 3),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size = 3, stride = 2, padding = 1),
        nn.Conv2d(64, 64, kernel_size = 1),
        nn.ReLU(),
        nn.Conv2d(64, 192, kernel_size = 3, padding = 1),
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
        nn.Dropout(0.2),
        nn.Linear(1024, 10)
    )
