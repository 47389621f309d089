"""ResNet-18, style: batch norms registered before the convolutions, one shared ReLU module,
an empty nn.Sequential as the identity shortcut, ``Y += shortcut(X)``."""
from torch import nn


class Residual(nn.Module):
    def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(input_channels, num_channels, 3, stride=strides, padding=1)
        self.conv2 = nn.Conv2d(num_channels, num_channels, 3, padding=1)
        self.shortcut = nn.Sequential()
        if use_1x1conv:
            self.shortcut.append(nn.Conv2d(input_channels, num_channels, 1, stride=strides))

    def forward(self, X):
        Y = self.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        Y += self.shortcut(X)
        return self.relu(Y)


def resnet_block(input_channels, num_channels, num_residuals, first_block=False):
    blk = nn.Sequential()
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blk.append(Residual(input_channels, num_channels, use_1x1conv=True, strides=2))
        else:
            blk.append(Residual(num_channels, num_channels))
    return blk


def resnet18():
    net = nn.Sequential()
    net.append(nn.Sequential(nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3),
                             nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)))
    in_channels = 64
    for i, out_channels in enumerate((64, 128, 256, 512)):
        net.append(resnet_block(in_channels, out_channels, 2, first_block=(i == 0)))
        in_channels = out_channels
    net.extend([nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(512, 10)])
    return net
