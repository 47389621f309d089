"""ResNet: residual networks.

A residual block adds its input (the shortcut) to the output of two 3x3
convolutions, so that it only has to learn the residual ``f(x) - x``. When
the block changes the number of channels or the resolution, a 1x1
convolution with the same stride reshapes the shortcut.
"""
from torch import nn
from torch.nn import functional as F


class Residual(nn.Module):
    """The residual block of ResNet-18.

    Main branch: ``Conv2d(input_channels -> num_channels, kernel 3,
    padding 1, stride strides)``, ``BatchNorm2d``, ReLU,
    ``Conv2d(num_channels -> num_channels, kernel 3, padding 1)``,
    ``BatchNorm2d``.
    Shortcut: the input itself, or with ``use_1x1conv=True`` a
    ``Conv2d(input_channels -> num_channels, kernel 1, stride strides)``.
    ``forward`` returns ``relu(main(X) + shortcut(X))``.
    """

    def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        ### BEGIN SOLUTION
        self.conv1 = nn.Conv2d(input_channels, num_channels,
                               kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        if use_1x1conv:
            self.conv3 = nn.Conv2d(input_channels, num_channels,
                                   kernel_size=1, stride=strides)
        else:
            self.conv3 = None
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)
        ### END SOLUTION

    def forward(self, X):
        ### BEGIN SOLUTION
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)
        ### END SOLUTION


def resnet_block(input_channels, num_channels, num_residuals, first_block=False):
    """Return a list of ``num_residuals`` residual blocks (a ResNet stage).

    The first block of a stage that is not the first stage
    (``first_block=False``) halves height and width and changes the channels:
    ``Residual(input_channels, num_channels, use_1x1conv=True, strides=2)``.
    Every other block is ``Residual(num_channels, num_channels)``.
    """
    ### BEGIN SOLUTION
    blk = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blk.append(Residual(input_channels, num_channels,
                                use_1x1conv=True, strides=2))
        else:
            blk.append(Residual(num_channels, num_channels))
    return blk
    ### END SOLUTION


def resnet18():
    """Build the book's ResNet-18 for 1-channel input as one ``nn.Sequential``.

    Layers, in order (按顺序):

    1. ``b1``: ``Conv2d(1 -> 64, kernel 7, stride 2, padding 3)``,
       ``BatchNorm2d(64)``, ReLU, ``MaxPool2d(kernel 3, stride 2, padding 1)``
    2. ``b2 = nn.Sequential(*resnet_block(64, 64, 2, first_block=True))``
    3. ``b3 = nn.Sequential(*resnet_block(64, 128, 2))``
    4. ``b4 = nn.Sequential(*resnet_block(128, 256, 2))``
    5. ``b5 = nn.Sequential(*resnet_block(256, 512, 2))``
    6. ``AdaptiveAvgPool2d((1, 1))``, ``Flatten``, ``Linear(512 -> 10)``
    """
    ### BEGIN SOLUTION
    b1 = nn.Sequential(
        nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3),
        nn.BatchNorm2d(64), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b2 = nn.Sequential(*resnet_block(64, 64, 2, first_block=True))
    b3 = nn.Sequential(*resnet_block(64, 128, 2))
    b4 = nn.Sequential(*resnet_block(128, 256, 2))
    b5 = nn.Sequential(*resnet_block(256, 512, 2))
    return nn.Sequential(
        b1, b2, b3, b4, b5,
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(512, 10))
    ### END SOLUTION
