# DIFFERS from the book's function: stage b2 has NO ReLU at all (Conv2d(64, 64, 1),
#   Conv2d(64, 192, 3, padding=1), MaxPool2d): shapes and parameter counts are the book's, the
#   values are not. The Inception block is the book's (own class, parameter `in_c`); the
#   global average pooling (hand-written GlobalAvgPool2d) ends b5 while the FlattenLayer sits at
#   the top level (7 top-level layers, not 6) -- these two are mere spelling.
# Provenance: ShusenTang/Dive-into-DL-PyTorch, master at commit
#   09c8bacc08599eb86236551454ba43b82cb91498 (2020-06-24), docs/chapter05_CNN/5.9_googlenet.md;
#   GlobalAvgPool2d and FlattenLayer from code/d2lzh_pytorch/utils.py.
#   https://github.com/ShusenTang/Dive-into-DL-PyTorch/blob/master/docs/chapter05_CNN/5.9_googlenet.md
# Licence: Apache-2.0 (the repository's LICENSE). Copyright ShusenTang and contributors; modified
#   as stated here.
# Changes: d2l helpers inlined; the module-level b1..b5 and `net` built inside `def googlenet()`;
#   kit adapter at the bottom (the kit's parameter name `in_channels` for the port's `in_c`).
import torch
from torch import nn
import torch.nn.functional as F


class FlattenLayer(torch.nn.Module):
    def __init__(self):
        super(FlattenLayer, self).__init__()
    def forward(self, x): # x shape: (batch, *, *, ...)
        return x.view(x.shape[0], -1)


class GlobalAvgPool2d(nn.Module):
    # 全局平均池化层可通过将池化窗口形状设置成输入的高和宽实现
    def __init__(self):
        super(GlobalAvgPool2d, self).__init__()
    def forward(self, x):
        return F.avg_pool2d(x, kernel_size=x.size()[2:])


class Inception(nn.Module):
    # c1 - c4为每条线路里的层的输出通道数
    def __init__(self, in_c, c1, c2, c3, c4):
        super(Inception, self).__init__()
        # 线路1，单1 x 1卷积层
        self.p1_1 = nn.Conv2d(in_c, c1, kernel_size=1)
        # 线路2，1 x 1卷积层后接3 x 3卷积层
        self.p2_1 = nn.Conv2d(in_c, c2[0], kernel_size=1)
        self.p2_2 = nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1)
        # 线路3，1 x 1卷积层后接5 x 5卷积层
        self.p3_1 = nn.Conv2d(in_c, c3[0], kernel_size=1)
        self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2)
        # 线路4，3 x 3最大池化层后接1 x 1卷积层
        self.p4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
        self.p4_2 = nn.Conv2d(in_c, c4, kernel_size=1)

    def forward(self, x):
        p1 = F.relu(self.p1_1(x))
        p2 = F.relu(self.p2_2(F.relu(self.p2_1(x))))
        p3 = F.relu(self.p3_2(F.relu(self.p3_1(x))))
        p4 = F.relu(self.p4_2(self.p4_1(x)))
        return torch.cat((p1, p2, p3, p4), dim=1)  # 在通道维上连结输出


def googlenet():
    b1 = nn.Sequential(nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3),
                       nn.ReLU(),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))

    b2 = nn.Sequential(nn.Conv2d(64, 64, kernel_size=1),
                       nn.Conv2d(64, 192, kernel_size=3, padding=1),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))

    b3 = nn.Sequential(Inception(192, 64, (96, 128), (16, 32), 32),
                       Inception(256, 128, (128, 192), (32, 96), 64),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))

    b4 = nn.Sequential(Inception(480, 192, (96, 208), (16, 48), 64),
                       Inception(512, 160, (112, 224), (24, 64), 64),
                       Inception(512, 128, (128, 256), (24, 64), 64),
                       Inception(512, 112, (144, 288), (32, 64), 64),
                       Inception(528, 256, (160, 320), (32, 128), 128),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))

    b5 = nn.Sequential(Inception(832, 256, (160, 320), (32, 128), 128),
                       Inception(832, 384, (192, 384), (48, 128), 128),
                       GlobalAvgPool2d())

    net = nn.Sequential(b1, b2, b3, b4, b5, 
                        FlattenLayer(), nn.Linear(1024, 10))
    return net


# ---- kit adapter ----
_PortInception = Inception


class Inception(nn.Module):
    # Runs the port's __init__ and forward on this class (the port's
    # `super(Inception, self).__init__()` looks the name up when it runs).
    def __init__(self, in_channels, c1, c2, c3, c4):
        _PortInception.__init__(self, in_channels, c1, c2, c3, c4)

    forward = _PortInception.forward
