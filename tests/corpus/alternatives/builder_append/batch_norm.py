"""LeNet with BatchNorm, style: Sequential.extend in a loop over (layer, norm) pairs."""
from torch import nn


def lenet_bn():
    net = nn.Sequential()
    for conv, norm in ((nn.Conv2d(1, 6, kernel_size=5), nn.BatchNorm2d(6)),
                       (nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16))):
        net.extend([conv, norm, nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2)])
    net.append(nn.Flatten())
    for fc, norm in ((nn.Linear(256, 120), nn.BatchNorm1d(120)),
                     (nn.Linear(120, 84), nn.BatchNorm1d(84))):
        net.extend([fc, norm, nn.Sigmoid()])
    net.append(nn.Linear(84, 10))
    return net
