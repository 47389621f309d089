"""VGG, style: add_module with names, MaxPool2d(2), the network assembled with add_module."""
from torch import nn

conv_arch = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


def vgg_block(num_convs, in_channels, out_channels):
    block = nn.Sequential()
    for i in range(num_convs):
        block.add_module(f"conv{i}", nn.Conv2d(in_channels, out_channels, 3, padding=1))
        block.add_module(f"relu{i}", nn.ReLU(inplace=True))
        in_channels = out_channels
    block.add_module("pool", nn.MaxPool2d(2))
    return block


def vgg(conv_arch):
    net = nn.Sequential()
    in_channels = 1
    for i, (num_convs, out_channels) in enumerate(conv_arch):
        net.add_module(f"stage{i + 1}", vgg_block(num_convs, in_channels, out_channels))
        in_channels = out_channels
    net.add_module("flatten", nn.Flatten())
    for i, n_in in enumerate((in_channels * 7 * 7, 4096)):
        net.add_module(f"fc{i + 1}", nn.Linear(n_in, 4096))
        net.add_module(f"relu{i + 1}", nn.ReLU())
        net.add_module(f"dropout{i + 1}", nn.Dropout(0.5))
    net.add_module("fc3", nn.Linear(4096, 10))
    return net
