"""VGG: networks built from repeated blocks.

A VGG block is a run of 3x3 convolutions (padding 1) with ReLU, closed by a
2x2 max-pooling layer that halves height and width. VGG-11 stacks five such
blocks and ends with the same three fully connected layers as AlexNet.
"""
from torch import nn

# VGG-11: (number of convolutions, output channels) of each of the 5 blocks.
conv_arch = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


def vgg_block(num_convs, in_channels, out_channels):
    """Return one VGG block as an ``nn.Sequential``.

    ``num_convs`` times: ``Conv2d(kernel 3, padding 1)`` then ``ReLU``. The
    first convolution maps ``in_channels -> out_channels``, every later one
    ``out_channels -> out_channels``. Then ``MaxPool2d(kernel 2, stride 2)``.
    A block of ``num_convs`` convolutions has ``2 * num_convs + 1`` layers.
    """
    ### BEGIN SOLUTION
    layers = []
    for _ in range(num_convs):
        layers.append(nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))
        layers.append(nn.ReLU())
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)
    ### END SOLUTION


def vgg(conv_arch):
    """Build a VGG network for 1-channel 224x224 input as one ``nn.Sequential``.

    One ``vgg_block`` per ``(num_convs, out_channels)`` pair of ``conv_arch``,
    the first with 1 input channel, each later one taking the previous block's
    output channels. Then ``Flatten``, ``Linear(out_channels*7*7 -> 4096)``,
    ``ReLU``, ``Dropout(0.5)``, ``Linear(4096 -> 4096)``, ``ReLU``,
    ``Dropout(0.5)``, ``Linear(4096 -> 10)``, where ``out_channels`` is that of
    the last block. ``vgg(conv_arch)`` is VGG-11.
    """
    ### BEGIN SOLUTION
    conv_blks = []
    in_channels = 1
    for (num_convs, out_channels) in conv_arch:
        conv_blks.append(vgg_block(num_convs, in_channels, out_channels))
        in_channels = out_channels
    return nn.Sequential(
        *conv_blks, nn.Flatten(),
        nn.Linear(out_channels * 7 * 7, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, 10))
    ### END SOLUTION
