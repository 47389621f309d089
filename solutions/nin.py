"""Network in Network.

A NiN block is one ordinary convolution followed by two 1x1 convolutions,
each with ReLU: a fully connected layer applied at every pixel. NiN has no
fully connected layers at the end: the last block outputs one channel per
class and global average pooling turns each channel into one score.
"""
from torch import nn


def nin_block(in_channels, out_channels, kernel_size, strides, padding):
    """Return one NiN block as an ``nn.Sequential`` of 6 layers.

    ``Conv2d(in_channels -> out_channels, kernel_size, stride=strides,
    padding=padding)``, ``ReLU``, then twice ``Conv2d(out_channels ->
    out_channels, kernel 1)`` and ``ReLU``.
    """
    ### BEGIN SOLUTION
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding),
        nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU())
    ### END SOLUTION


def nin():
    """Build the book's NiN for 1-channel 224x224 input as one ``nn.Sequential``.

    Layers, in order (按顺序):

    1. ``nin_block(1, 96, kernel_size=11, strides=4, padding=0)``,
       ``MaxPool2d(3, stride=2)``
    2. ``nin_block(96, 256, kernel_size=5, strides=1, padding=2)``,
       ``MaxPool2d(3, stride=2)``
    3. ``nin_block(256, 384, kernel_size=3, strides=1, padding=1)``,
       ``MaxPool2d(3, stride=2)``
    4. ``Dropout(0.5)``
    5. ``nin_block(384, 10, kernel_size=3, strides=1, padding=1)``
    6. ``AdaptiveAvgPool2d((1, 1))``, ``Flatten``
    """
    ### BEGIN SOLUTION
    return nn.Sequential(
        nin_block(1, 96, kernel_size=11, strides=4, padding=0),
        nn.MaxPool2d(3, stride=2),
        nin_block(96, 256, kernel_size=5, strides=1, padding=2),
        nn.MaxPool2d(3, stride=2),
        nin_block(256, 384, kernel_size=3, strides=1, padding=1),
        nn.MaxPool2d(3, stride=2),
        nn.Dropout(0.5),
        nin_block(384, 10, kernel_size=3, strides=1, padding=1),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten())
    ### END SOLUTION
