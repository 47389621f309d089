# DIFFERS from the book's function: MAX pooling (nn.MaxPool2d(2, 2)) where the book's LeNet-BN
#   uses average pooling (d2l-zh's first edition used max pooling in LeNet); shapes and
#   parameter counts are the book's.
# Provenance: ShusenTang/Dive-into-DL-PyTorch, master at commit
#   09c8bacc08599eb86236551454ba43b82cb91498 (2020-06-24), docs/chapter05_CNN/5.10_batch-norm.md,
#   the concise version (5.10.3, nn.BatchNorm2d / nn.BatchNorm1d); FlattenLayer from
#   code/d2lzh_pytorch/utils.py.
#   https://github.com/ShusenTang/Dive-into-DL-PyTorch/blob/master/docs/chapter05_CNN/5.10_batch-norm.md
# Licence: Apache-2.0 (the repository's LICENSE). Copyright ShusenTang and contributors; modified
#   as stated here.
# Changes: `d2l.FlattenLayer` inlined; the module-level `net = ...` wrapped in `def lenet_bn()`.
import torch
from torch import nn


class FlattenLayer(torch.nn.Module):
    def __init__(self):
        super(FlattenLayer, self).__init__()
    def forward(self, x): # x shape: (batch, *, *, ...)
        return x.view(x.shape[0], -1)


def lenet_bn():
    net = nn.Sequential(
                nn.Conv2d(1, 6, 5), # in_channels, out_channels, kernel_size
                nn.BatchNorm2d(6),
                nn.Sigmoid(),
                nn.MaxPool2d(2, 2), # kernel_size, stride
                nn.Conv2d(6, 16, 5),
                nn.BatchNorm2d(16),
                nn.Sigmoid(),
                nn.MaxPool2d(2, 2),
                FlattenLayer(),
                nn.Linear(16*4*4, 120),
                nn.BatchNorm1d(120),
                nn.Sigmoid(),
                nn.Linear(120, 84),
                nn.BatchNorm1d(84),
                nn.Sigmoid(),
                nn.Linear(84, 10)
            )
    return net
