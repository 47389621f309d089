"""NiN, style: keyword-only helper for the 1x1 layers, hand-written Flatten, int output size."""
import torch
from torch import nn


class Flatten(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.view(x.size(0), -1)


def _pixelwise_mlp(channels):
    return [nn.Conv2d(channels, channels, 1), nn.ReLU()]


def nin_block(in_channels, out_channels, kernel_size, strides, padding):
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=kernel_size, stride=strides,
                  padding=padding),
        nn.ReLU(),
        *_pixelwise_mlp(out_channels),
        *_pixelwise_mlp(out_channels))


def nin():
    return nn.Sequential(
        nin_block(1, 96, 11, 4, 0), nn.MaxPool2d(3, 2),
        nin_block(96, 256, 5, 1, 2), nn.MaxPool2d(3, 2),
        nin_block(256, 384, 3, 1, 1), nn.MaxPool2d(3, 2),
        nn.Dropout(0.5),
        nin_block(384, 10, 3, 1, 1),
        nn.AdaptiveAvgPool2d((1, 1)),
        Flatten())
