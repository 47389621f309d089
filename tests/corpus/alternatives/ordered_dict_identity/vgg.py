"""VGG, style: blocks grown with Sequential.append, OrderedDict-named blocks, padding='same'."""
from collections import OrderedDict

from torch import nn

conv_arch = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


def vgg_block(num_convs, in_channels, out_channels):
    block = nn.Sequential()
    for i in range(num_convs):
        block.append(nn.Conv2d(in_channels if i == 0 else out_channels, out_channels,
                               kernel_size=(3, 3), padding="same"))
        block.append(nn.ReLU(inplace=True))
    block.append(nn.MaxPool2d(kernel_size=(2, 2)))
    return block


def vgg(conv_arch):
    layers = OrderedDict()
    channels = 1
    for index, (num_convs, width) in enumerate(conv_arch, start=1):
        layers[f"block{index}"] = vgg_block(num_convs, channels, width)
        channels = width
    layers["flatten"] = nn.Flatten(1)
    layers["fc1"] = nn.Linear(channels * 7 * 7, 4096)
    layers["relu1"] = nn.ReLU(inplace=True)
    layers["drop1"] = nn.Dropout(0.5)
    layers["fc2"] = nn.Linear(4096, 4096)
    layers["relu2"] = nn.ReLU(inplace=True)
    layers["drop2"] = nn.Dropout(0.5)
    layers["fc3"] = nn.Linear(4096, 10)
    return nn.Sequential(layers)
