"""LeNet, style: an empty nn.Sequential grown with add_module / append, int kernels."""
from torch import nn


def lenet():
    net = nn.Sequential()
    net.add_module("c1", nn.Conv2d(in_channels=1, out_channels=6, kernel_size=5, padding=2))
    net.add_module("s1", nn.Sigmoid())
    net.add_module("p1", nn.AvgPool2d(kernel_size=2))
    net.append(nn.Conv2d(in_channels=6, out_channels=16, kernel_size=5, padding=0))
    net.append(nn.Sigmoid())
    net.append(nn.AvgPool2d(kernel_size=2))
    net.append(nn.Flatten(start_dim=1, end_dim=-1))
    for n_in, n_out in ((16 * 5 * 5, 120), (120, 84)):
        net.append(nn.Linear(n_in, n_out))
        net.append(nn.Sigmoid())
    net.append(nn.Linear(84, 10))
    return net
