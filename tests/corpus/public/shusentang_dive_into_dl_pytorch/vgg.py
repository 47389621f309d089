# Provenance: ShusenTang/Dive-into-DL-PyTorch (the PyTorch port of d2l-zh v1, 《动手学深度学习》PyTorch版),
#   master at commit 09c8bacc08599eb86236551454ba43b82cb91498 (2020-06-24),
#   docs/chapter05_CNN/5.7_vgg.md (same code in code/chapter05_CNN/5.7_vgg.ipynb);
#   FlattenLayer from code/d2lzh_pytorch/utils.py.
#   https://github.com/ShusenTang/Dive-into-DL-PyTorch/blob/master/docs/chapter05_CNN/5.7_vgg.md
# Licence: Apache-2.0 (the repository's LICENSE). Copyright ShusenTang and contributors; modified
#   as stated here.
# Changes: `d2l.FlattenLayer` inlined as `FlattenLayer`; kit adapter at the bottom: the port's
#   `conv_arch` lists (num_convs, in_channels, out_channels) triples and its
#   `vgg(conv_arch, fc_features, fc_hidden_units=4096)` takes the flattened size explicitly; the
#   adapter keeps the port's functions as they are and converts the book's (num_convs,
#   out_channels) pairs. The port's own triples stay available as `port_conv_arch`.
# Style exercised: `if i == 0` branch for the first convolution of a block, an empty
#   nn.Sequential filled with `net.add_module("vgg_block_" + str(i+1), ...)`, the whole
#   classifier (with a hand-written FlattenLayer) nested in ONE child named "fc": the top level
#   has len(conv_arch) + 1 children, not len(conv_arch) + 8.
import torch
from torch import nn


class FlattenLayer(torch.nn.Module):
    def __init__(self):
        super(FlattenLayer, self).__init__()
    def forward(self, x): # x shape: (batch, *, *, ...)
        return x.view(x.shape[0], -1)


def vgg_block(num_convs, in_channels, out_channels):
    blk = []
    for i in range(num_convs):
        if i == 0:
            blk.append(nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))
        else:
            blk.append(nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1))
        blk.append(nn.ReLU())
    blk.append(nn.MaxPool2d(kernel_size=2, stride=2)) # 这里会使宽高减半
    return nn.Sequential(*blk)


conv_arch = ((1, 1, 64), (1, 64, 128), (2, 128, 256), (2, 256, 512), (2, 512, 512))
# 经过5个vgg_block, 宽高会减半5次, 变成 224/32 = 7
fc_features = 512 * 7 * 7 # c * w * h
fc_hidden_units = 4096 # 任意


def vgg(conv_arch, fc_features, fc_hidden_units=4096):
    net = nn.Sequential()
    # 卷积层部分
    for i, (num_convs, in_channels, out_channels) in enumerate(conv_arch):
        # 每经过一个vgg_block都会使宽高减半
        net.add_module("vgg_block_" + str(i+1), vgg_block(num_convs, in_channels, out_channels))
    # 全连接层部分
    net.add_module("fc", nn.Sequential(FlattenLayer(),
                                 nn.Linear(fc_features, fc_hidden_units),
                                 nn.ReLU(),
                                 nn.Dropout(0.5),
                                 nn.Linear(fc_hidden_units, fc_hidden_units),
                                 nn.ReLU(),
                                 nn.Dropout(0.5),
                                 nn.Linear(fc_hidden_units, 10)
                                ))
    return net


# ---- kit adapter ----
port_conv_arch = conv_arch
conv_arch = tuple((num_convs, out_channels) for num_convs, _, out_channels in port_conv_arch)
_port_vgg = vgg


def vgg(conv_arch):
    triples, in_channels = [], 1
    for num_convs, out_channels in conv_arch:
        triples.append((num_convs, in_channels, out_channels))
        in_channels = out_channels
    return _port_vgg(triples, fc_features=in_channels * 7 * 7, fc_hidden_units=4096)
