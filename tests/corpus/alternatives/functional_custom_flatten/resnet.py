"""ResNet-18, style: torch.relu in forward, an optional ``downsample`` attribute tested with
``is not None``, ``out = relu(out + identity)``, a hand-written Flatten."""
import torch
from torch import nn


class Flatten(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.view(x.size(0), -1)


class Residual(nn.Module):
    def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.downsample = (nn.Conv2d(input_channels, num_channels, 1, stride=strides)
                           if use_1x1conv else None)
        self.left1 = nn.Conv2d(input_channels, num_channels, 3, strides, 1)
        self.left1_bn = nn.BatchNorm2d(num_channels)
        self.left2 = nn.Conv2d(num_channels, num_channels, 3, 1, 1)
        self.left2_bn = nn.BatchNorm2d(num_channels)

    def forward(self, X):
        identity = X if self.downsample is None else self.downsample(X)
        out = torch.relu(self.left1_bn(self.left1(X)))
        out = self.left2_bn(self.left2(out))
        return torch.relu(out + identity)


def resnet_block(input_channels, num_channels, num_residuals, first_block=False):
    downsample = not first_block
    return [Residual(input_channels, num_channels, use_1x1conv=True, strides=2)
            if i == 0 and downsample else Residual(num_channels, num_channels)
            for i in range(num_residuals)]


def resnet18():
    b1 = nn.Sequential(nn.Conv2d(1, 64, 7, 2, 3), nn.BatchNorm2d(64), nn.ReLU(),
                       nn.MaxPool2d(3, 2, 1))
    stages = [nn.Sequential(*resnet_block(c_in, c_out, 2, first_block=(i == 0)))
              for i, (c_in, c_out) in enumerate(((64, 64), (64, 128), (128, 256), (256, 512)))]
    return nn.Sequential(b1, *stages, nn.AdaptiveAvgPool2d((1, 1)), Flatten(),
                         nn.Linear(512, 10))
