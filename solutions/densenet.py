"""DenseNet: densely connected networks.

Where a residual block *adds* its input to what it computes, a dense block
*concatenates* them on the channel axis: every convolution block of a dense
block sees the block's input and all the features computed before it, and
adds ``num_channels`` (the growth rate) channels of its own. Transition
layers between the dense blocks keep the model small: a 1x1 convolution
reduces the channels and an average pooling of stride 2 halves height and
width. Each convolution block uses the "BatchNorm, activation, convolution"
order of the improved ResNet.
"""
import torch
from torch import nn


def conv_block(input_channels, num_channels):
    """One convolution block of a dense block, in the order BatchNorm, ReLU, convolution.

    ``BatchNorm2d(input_channels)``, ReLU,
    ``Conv2d(input_channels -> num_channels, kernel 3, padding 1)``: the
    height and width are kept.
    """
    ### BEGIN SOLUTION
    return nn.Sequential(
        nn.BatchNorm2d(input_channels), nn.ReLU(),
        nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1))
    ### END SOLUTION


class DenseBlock(nn.Module):
    """A dense block of ``num_convs`` convolution blocks, each adding ``num_channels`` channels.

    Convolution block ``i`` (from 0) is ``conv_block(num_channels * i +
    input_channels, num_channels)``: it sees the block's input and everything
    computed before it. ``forward`` runs them in order; after each one, its
    input and its output are concatenated on the channel axis, **input first,
    then the new features**: ``X = torch.cat((X, Y), dim=1)``. The block
    returns ``input_channels + num_convs * num_channels`` channels.
    """

    def __init__(self, num_convs, input_channels, num_channels):
        super(DenseBlock, self).__init__()
        ### BEGIN SOLUTION
        layer = []
        for i in range(num_convs):
            layer.append(conv_block(
                num_channels * i + input_channels, num_channels))
        self.net = nn.Sequential(*layer)
        ### END SOLUTION

    def forward(self, X):
        ### BEGIN SOLUTION
        for blk in self.net:
            Y = blk(X)
            # 连接通道维度上每个块的输入和输出
            X = torch.cat((X, Y), dim=1)
        return X
        ### END SOLUTION


def transition_block(input_channels, num_channels):
    """A transition layer: fewer channels, half the height and width.

    ``BatchNorm2d(input_channels)``, ReLU,
    ``Conv2d(input_channels -> num_channels, kernel 1)``,
    ``AvgPool2d(kernel 2, stride 2)``.
    """
    ### BEGIN SOLUTION
    return nn.Sequential(
        nn.BatchNorm2d(input_channels), nn.ReLU(),
        nn.Conv2d(input_channels, num_channels, kernel_size=1),
        nn.AvgPool2d(kernel_size=2, stride=2))
    ### END SOLUTION


def densenet():
    """Build the book's DenseNet for 1-channel 96x96 input as one ``nn.Sequential``.

    Layers, in order (按顺序):

    1. ``b1``: ``Conv2d(1 -> 64, kernel 7, stride 2, padding 3)``,
       ``BatchNorm2d(64)``, ReLU, ``MaxPool2d(kernel 3, stride 2, padding 1)``
    2. four dense blocks (``DenseBlock``) of 4 convolution blocks each, growth rate 32
       (``num_channels, growth_rate = 64, 32``); after each of the first three,
       a ``transition_block`` that halves the channels:
       ``DenseBlock(4, 64, 32)`` (64 -> 192 channels),
       ``transition_block(192, 96)``, ``DenseBlock(4, 96, 32)`` (-> 224),
       ``transition_block(224, 112)``, ``DenseBlock(4, 112, 32)`` (-> 240),
       ``transition_block(240, 120)``, ``DenseBlock(4, 120, 32)`` (-> 248)
    3. ``BatchNorm2d(248)``, ReLU, ``AdaptiveAvgPool2d((1, 1))``, ``Flatten``,
       ``Linear(248 -> 10)``

    All of them as the top-level layers of one ``nn.Sequential`` (the book:
    ``nn.Sequential(b1, *blks, ...)``).
    """
    ### BEGIN SOLUTION
    b1 = nn.Sequential(
        nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3),
        nn.BatchNorm2d(64), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    # num_channels为当前的通道数
    num_channels, growth_rate = 64, 32
    num_convs_in_dense_blocks = [4, 4, 4, 4]
    blks = []
    for i, num_convs in enumerate(num_convs_in_dense_blocks):
        blks.append(DenseBlock(num_convs, num_channels, growth_rate))
        # 上一个稠密块的输出通道数
        num_channels += num_convs * growth_rate
        # 在稠密块之间添加一个转换层，使通道数量减半
        if i != len(num_convs_in_dense_blocks) - 1:
            blks.append(transition_block(num_channels, num_channels // 2))
            num_channels = num_channels // 2
    return nn.Sequential(
        b1, *blks,
        nn.BatchNorm2d(num_channels), nn.ReLU(),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten(),
        nn.Linear(num_channels, 10))
    ### END SOLUTION
