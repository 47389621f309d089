# Your work: replace every `raise NotImplementedError(...)` below with code.
# 你的任务：把下面每个 `raise NotImplementedError(...)` 换成你的代码。
# (Generated from solutions/resnet.py by `python -m grader stubs`.)
"""ResNet (d2l 7.6 / 《动手学深度学习》7.6节): residual networks.

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

    Example (示例): ``Residual(3, 3)`` maps shape (4, 3, 6, 6) to (4, 3, 6, 6) and has 180 parameters.
    Example (示例): ``Residual(3, 6, use_1x1conv=True, strides=2)`` maps shape (4, 3, 6, 6) to (4, 6, 3, 3) and has 546 parameters.
    """

    def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        raise NotImplementedError(
            "Residual.__init__ is not implemented yet: write it as its docstring describes, "
            "then run pytest exercises/test_resnet.py\n"
            "Residual.__init__ 尚未实现：请按文档字符串的说明完成它，"
            "然后运行 pytest exercises/test_resnet.py")

    def forward(self, X):
        raise NotImplementedError(
            "Residual.forward is not implemented yet: write it as its docstring describes, "
            "then run pytest exercises/test_resnet.py\n"
            "Residual.forward 尚未实现：请按文档字符串的说明完成它，"
            "然后运行 pytest exercises/test_resnet.py")


def resnet_block(input_channels, num_channels, num_residuals, first_block=False):
    """Return a list of ``num_residuals`` residual blocks (a ResNet stage).

    The first block of a stage that is not the first stage
    (``first_block=False``) halves height and width and changes the channels:
    ``Residual(input_channels, num_channels, use_1x1conv=True, strides=2)``.
    Every other block is ``Residual(num_channels, num_channels)``.

    Example (示例): ``resnet_block(64, 128, 2)`` maps shape (1, 64, 56, 56) to (1, 128, 28, 28) and has 525,952 parameters.
    """
    raise NotImplementedError(
        "resnet_block is not implemented yet: write it as its docstring describes, "
        "then run pytest exercises/test_resnet.py\n"
        "resnet_block 尚未实现：请按文档字符串的说明完成它，"
        "然后运行 pytest exercises/test_resnet.py")


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

    The book runs a tensor of shape (1, 1, 224, 224) through the top-level layers
    and prints (书中逐层输出的形状)::

        Sequential output shape: torch.Size([1, 64, 56, 56])
        Sequential output shape: torch.Size([1, 64, 56, 56])
        Sequential output shape: torch.Size([1, 128, 28, 28])
        Sequential output shape: torch.Size([1, 256, 14, 14])
        Sequential output shape: torch.Size([1, 512, 7, 7])
        AdaptiveAvgPool2d output shape: torch.Size([1, 512, 1, 1])
        Flatten output shape: torch.Size([1, 512])
        Linear output shape: torch.Size([1, 10])

    Parameters (参数总数): 11,178,378
    """
    raise NotImplementedError(
        "resnet18 is not implemented yet: write it as its docstring describes, "
        "then run pytest exercises/test_resnet.py\n"
        "resnet18 尚未实现：请按文档字符串的说明完成它，"
        "然后运行 pytest exercises/test_resnet.py")
