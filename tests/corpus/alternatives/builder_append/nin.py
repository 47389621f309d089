"""NiN, style: a Sequential grown with append, the 1x1 layers added in a loop, padding='same'
for the stride-1 blocks of nin()."""
from torch import nn


def nin_block(in_channels, out_channels, kernel_size, strides, padding):
    block = nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride=strides, padding=padding),
        nn.ReLU(inplace=True))
    for _ in range(2):
        block.append(nn.Conv2d(out_channels, out_channels, kernel_size=1))
        block.append(nn.ReLU(inplace=True))
    return block


def nin():
    net = nn.Sequential()
    for c_in, c_out, k, s, p in ((1, 96, 11, 4, 0), (96, 256, 5, 1, "same"),
                                 (256, 384, 3, 1, "same")):
        net.append(nin_block(c_in, c_out, kernel_size=k, strides=s, padding=p))
        net.append(nn.MaxPool2d(kernel_size=3, stride=2))
    net.append(nn.Dropout(0.5))
    net.append(nin_block(384, 10, kernel_size=3, strides=1, padding=1))
    net.append(nn.AdaptiveAvgPool2d(output_size=1))
    net.append(nn.Flatten())
    return net
