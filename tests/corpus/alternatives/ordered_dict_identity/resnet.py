"""ResNet-18, style: nn.Identity shortcut, other attribute names registered in another order,
``Y = Y + X``, ``resnet_block`` returning an nn.Sequential."""
from collections import OrderedDict

from torch import nn
from torch.nn import functional as F


class Residual(nn.Module):
    def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.norm_b = nn.BatchNorm2d(num_channels)
        self.norm_a = nn.BatchNorm2d(num_channels)
        if use_1x1conv:
            self.shortcut = nn.Conv2d(input_channels, num_channels, kernel_size=(1, 1),
                                      stride=(strides, strides))
        else:
            self.shortcut = nn.Identity()
        self.conv_b = nn.Conv2d(num_channels, num_channels, kernel_size=(3, 3), padding="same")
        self.conv_a = nn.Conv2d(input_channels, num_channels, kernel_size=(3, 3),
                                stride=(strides, strides), padding=(1, 1))

    def forward(self, X):
        Y = F.relu(self.norm_a(self.conv_a(X)), inplace=True)
        Y = self.norm_b(self.conv_b(Y))
        Y = Y + self.shortcut(X)
        return F.relu(Y, inplace=True)


def resnet_block(input_channels, num_channels, num_residuals, first_block=False):
    blocks = OrderedDict()
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blocks[f"unit{i}"] = Residual(input_channels, num_channels, use_1x1conv=True, strides=2)
        else:
            blocks[f"unit{i}"] = Residual(num_channels, num_channels)
    return nn.Sequential(blocks)


def resnet18():
    stem = nn.Sequential(OrderedDict([
        ("conv", nn.Conv2d(1, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3))),
        ("bn", nn.BatchNorm2d(64)),
        ("relu", nn.ReLU(inplace=True)),
        ("pool", nn.MaxPool2d(kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))),
    ]))
    return nn.Sequential(OrderedDict([
        ("b1", stem),
        ("b2", resnet_block(64, 64, 2, first_block=True)),
        ("b3", resnet_block(64, 128, 2)),
        ("b4", resnet_block(128, 256, 2)),
        ("b5", resnet_block(256, 512, 2)),
        ("gap", nn.AdaptiveAvgPool2d((1, 1))),
        ("flatten", nn.Flatten(1)),
        ("fc", nn.Linear(512, 10)),
    ]))
