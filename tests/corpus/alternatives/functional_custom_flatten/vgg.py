"""VGG, style: list comprehensions, conv_arch as a list, the last width read from conv_arch."""
import torch
from torch import nn

conv_arch = [(1, 64), (1, 128), (2, 256), (2, 512), (2, 512)]


class Flatten(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.view(x.size(0), -1)


def vgg_block(num_convs, in_channels, out_channels):
    widths = [in_channels] + [out_channels] * num_convs
    layers = []
    for c_in, c_out in zip(widths[:-1], widths[1:]):
        layers += [nn.Conv2d(c_in, c_out, 3, 1, 1), nn.ReLU()]
    return nn.Sequential(*layers, nn.MaxPool2d(2))


def vgg(conv_arch):
    widths = [1] + [c for _, c in conv_arch]
    blocks = [vgg_block(n, c_in, c_out)
              for (n, c_out), c_in in zip(conv_arch, widths[:-1])]
    last = conv_arch[-1][1]
    return nn.Sequential(
        *blocks, Flatten(),
        nn.Linear(last * 7 * 7, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, 10))
