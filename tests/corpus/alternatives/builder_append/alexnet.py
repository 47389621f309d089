"""AlexNet, style: Sequential.append one layer at a time, a mix of in-place and plain ReLUs."""
from torch import nn


def alexnet():
    net = nn.Sequential()
    net.append(nn.Conv2d(1, 96, kernel_size=11, stride=4, padding=1))
    net.append(nn.ReLU(inplace=True))
    net.append(nn.MaxPool2d(kernel_size=3, stride=2))
    net.append(nn.Conv2d(96, 256, kernel_size=5, padding=2))
    net.append(nn.ReLU())
    net.append(nn.MaxPool2d(kernel_size=3, stride=2))
    channels = [256, 384, 384, 256]
    for c_in, c_out in zip(channels, channels[1:]):
        net.append(nn.Conv2d(c_in, c_out, kernel_size=3, stride=1, padding=1))
        net.append(nn.ReLU(inplace=True))
    net.append(nn.MaxPool2d(kernel_size=3, stride=2))
    net.append(nn.Flatten())
    for n_in in (6400, 4096):
        net.append(nn.Linear(n_in, 4096))
        net.append(nn.ReLU(inplace=True))
        net.append(nn.Dropout(p=0.5))
    net.append(nn.Linear(4096, 10))
    return net
