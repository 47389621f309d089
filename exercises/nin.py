# Your work: replace every `raise NotImplementedError(...)` below with code.
# 你的任务：把下面每个 `raise NotImplementedError(...)` 换成你的代码。
# (Generated from solutions/nin.py by `python -m grader stubs`.)
"""Network in Network (d2l 7.3 / 《动手学深度学习》7.3节).

A NiN block is one ordinary convolution followed by two 1x1 convolutions,
each with ReLU: a fully connected layer applied at every pixel. NiN has no
fully connected layers at the end: the last block outputs one channel per
class and global average pooling turns each channel into one score.
"""
from torch import nn


def nin_block(in_channels, out_channels, kernel_size, strides, padding):
    """Return one NiN block as an ``nn.Sequential`` of 6 layers.

    ``Conv2d(in_channels -> out_channels, kernel_size, stride=strides,
    padding=padding)``, ``ReLU``, then twice ``Conv2d(out_channels ->
    out_channels, kernel 1)`` and ``ReLU``.

    Example (示例): ``nin_block(3, 8, kernel_size=5, strides=2, padding=1)`` maps shape (2, 3, 16, 16) to (2, 8, 7, 7) and has 752 parameters.
    """
    raise NotImplementedError(
        "nin_block is not implemented yet: write it as its docstring describes, "
        "then run pytest exercises/test_nin.py\n"
        "nin_block 尚未实现：请按文档字符串的说明完成它，"
        "然后运行 pytest exercises/test_nin.py")


def nin():
    """Build the book's NiN for 1-channel 224x224 input as one ``nn.Sequential``.

    Layers, in order (按顺序):

    1. ``nin_block(1, 96, kernel_size=11, strides=4, padding=0)``,
       ``MaxPool2d(3, stride=2)``
    2. ``nin_block(96, 256, kernel_size=5, strides=1, padding=2)``,
       ``MaxPool2d(3, stride=2)``
    3. ``nin_block(256, 384, kernel_size=3, strides=1, padding=1)``,
       ``MaxPool2d(3, stride=2)``
    4. ``Dropout(0.5)``
    5. ``nin_block(384, 10, kernel_size=3, strides=1, padding=1)``
    6. ``AdaptiveAvgPool2d((1, 1))``, ``Flatten``

    The book runs a tensor of shape (1, 1, 224, 224) through the top-level layers
    and prints (书中逐层输出的形状)::

        Sequential output shape: torch.Size([1, 96, 54, 54])
        MaxPool2d output shape: torch.Size([1, 96, 26, 26])
        Sequential output shape: torch.Size([1, 256, 26, 26])
        MaxPool2d output shape: torch.Size([1, 256, 12, 12])
        Sequential output shape: torch.Size([1, 384, 12, 12])
        MaxPool2d output shape: torch.Size([1, 384, 5, 5])
        Dropout output shape: torch.Size([1, 384, 5, 5])
        Sequential output shape: torch.Size([1, 10, 5, 5])
        AdaptiveAvgPool2d output shape: torch.Size([1, 10, 1, 1])
        Flatten output shape: torch.Size([1, 10])

    Parameters (参数总数): 1,992,166
    """
    raise NotImplementedError(
        "nin is not implemented yet: write it as its docstring describes, "
        "then run pytest exercises/test_nin.py\n"
        "nin 尚未实现：请按文档字符串的说明完成它，"
        "然后运行 pytest exercises/test_nin.py")
