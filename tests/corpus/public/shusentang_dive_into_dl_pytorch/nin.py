# Provenance: ShusenTang/Dive-into-DL-PyTorch, master at commit 09c8bacc08599eb86236551454ba43b82cb91498
#   (2020-06-24), docs/chapter05_CNN/5.8_nin.md; GlobalAvgPool2d and FlattenLayer as saved in
#   code/d2lzh_pytorch/utils.py.
#   https://github.com/ShusenTang/Dive-into-DL-PyTorch/blob/master/docs/chapter05_CNN/5.8_nin.md
# Licence: Apache-2.0 (the repository's LICENSE). Copyright ShusenTang and contributors; modified
#   as stated here.
# Changes: `d2l.FlattenLayer` inlined; the module-level `net = ...` wrapped in `def nin()`; kit
#   adapter at the bottom: the port's `nin_block(..., stride, padding)` spells the kit's
#   `strides` as `stride`; the adapter takes `strides` (and still `stride`, as the port's own
#   calls in nin() pass it).
# Style exercised: global average pooling as a hand-written module calling
#   `F.avg_pool2d(x, kernel_size=x.size()[2:])` (no nn.AdaptiveAvgPool2d), a hand-written
#   FlattenLayer (`x.view(x.shape[0], -1)`), `nn.MaxPool2d(kernel_size=3, stride=2)` keywords.
import torch
from torch import nn
import torch.nn.functional as F


class FlattenLayer(torch.nn.Module):
    def __init__(self):
        super(FlattenLayer, self).__init__()
    def forward(self, x): # x shape: (batch, *, *, ...)
        return x.view(x.shape[0], -1)


def nin_block(in_channels, out_channels, kernel_size, stride, padding):
    blk = nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding),
                        nn.ReLU(),
                        nn.Conv2d(out_channels, out_channels, kernel_size=1),
                        nn.ReLU(),
                        nn.Conv2d(out_channels, out_channels, kernel_size=1),
                        nn.ReLU())
    return blk


# 已保存在d2lzh_pytorch
class GlobalAvgPool2d(nn.Module):
    # 全局平均池化层可通过将池化窗口形状设置成输入的高和宽实现
    def __init__(self):
        super(GlobalAvgPool2d, self).__init__()
    def forward(self, x):
        return F.avg_pool2d(x, kernel_size=x.size()[2:])


def nin():
    net = nn.Sequential(
        nin_block(1, 96, kernel_size=11, stride=4, padding=0),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nin_block(96, 256, kernel_size=5, stride=1, padding=2),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nin_block(256, 384, kernel_size=3, stride=1, padding=1),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Dropout(0.5),
        # 标签类别数是10
        nin_block(384, 10, kernel_size=3, stride=1, padding=1),
        GlobalAvgPool2d(),
        # 将四维的输出转成二维的输出，其形状为(批量大小, 10)
        FlattenLayer())
    return net


# ---- kit adapter ----
_port_nin_block = nin_block


def nin_block(in_channels, out_channels, kernel_size, strides=None, padding=None, *, stride=None):
    return _port_nin_block(in_channels, out_channels, kernel_size,
                           strides if stride is None else stride, padding)
