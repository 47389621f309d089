# Your work: replace every `raise NotImplementedError(...)` below with code.
# 你的任务：把下面每个 `raise NotImplementedError(...)` 换成你的代码。
# (Generated from solutions/googlenet.py by `python -m grader stubs`.)
"""GoogLeNet (d2l 7.4 / 《动手学深度学习》7.4节): networks with parallel branches.

An Inception block runs four branches on the same input and concatenates
their outputs along the channel axis. GoogLeNet stacks five stages b1..b5 of
convolutions and Inception blocks, then one fully connected layer.
"""
import torch
from torch import nn
from torch.nn import functional as F


class Inception(nn.Module):
    """The Inception block: four parallel branches, concatenated on channels.

    ``c1`` is an int, ``c2`` and ``c3`` are pairs, ``c4`` is an int:

    1. branch 1: ``Conv2d(in_channels -> c1, kernel 1)``
    2. branch 2: ``Conv2d(in_channels -> c2[0], kernel 1)``, ReLU,
       ``Conv2d(c2[0] -> c2[1], kernel 3, padding 1)``
    3. branch 3: ``Conv2d(in_channels -> c3[0], kernel 1)``, ReLU,
       ``Conv2d(c3[0] -> c3[1], kernel 5, padding 2)``
    4. branch 4: ``MaxPool2d(kernel 3, stride 1, padding 1)``,
       ``Conv2d(in_channels -> c4, kernel 1)``

    Each branch ends with a ReLU. ``forward`` returns the four branch outputs
    concatenated in this order on dimension 1, so the block has
    ``c1 + c2[1] + c3[1] + c4`` output channels and keeps height and width.

    Example (示例): ``Inception(192, 64, (96, 128), (16, 32), 32)`` maps shape (1, 192, 12, 12) to (1, 256, 12, 12) and has 163,696 parameters.
    """

    def __init__(self, in_channels, c1, c2, c3, c4, **kwargs):
        super().__init__(**kwargs)
        raise NotImplementedError(
            "Inception.__init__ is not implemented yet: write it as its docstring describes, "
            "then run pytest exercises/test_googlenet.py\n"
            "Inception.__init__ 尚未实现：请按文档字符串的说明完成它，"
            "然后运行 pytest exercises/test_googlenet.py")

    def forward(self, x):
        raise NotImplementedError(
            "Inception.forward is not implemented yet: write it as its docstring describes, "
            "then run pytest exercises/test_googlenet.py\n"
            "Inception.forward 尚未实现：请按文档字符串的说明完成它，"
            "然后运行 pytest exercises/test_googlenet.py")


def googlenet():
    """Build the book's GoogLeNet for 1-channel 96x96 input: ``nn.Sequential(b1, b2, b3, b4, b5, Linear(1024 -> 10))``.

    - ``b1``: ``Conv2d(1 -> 64, kernel 7, stride 2, padding 3)``, ReLU,
      ``MaxPool2d(kernel 3, stride 2, padding 1)``
    - ``b2``: ``Conv2d(64 -> 64, kernel 1)``, ReLU,
      ``Conv2d(64 -> 192, kernel 3, padding 1)``, ReLU,
      ``MaxPool2d(kernel 3, stride 2, padding 1)``
    - ``b3``: ``Inception(192, 64, (96, 128), (16, 32), 32)``,
      ``Inception(256, 128, (128, 192), (32, 96), 64)``, max pool as in b1
    - ``b4``: ``Inception(480, 192, (96, 208), (16, 48), 64)``,
      ``Inception(512, 160, (112, 224), (24, 64), 64)``,
      ``Inception(512, 128, (128, 256), (24, 64), 64)``,
      ``Inception(512, 112, (144, 288), (32, 64), 64)``,
      ``Inception(528, 256, (160, 320), (32, 128), 128)``, max pool as in b1
    - ``b5``: ``Inception(832, 256, (160, 320), (32, 128), 128)``,
      ``Inception(832, 384, (192, 384), (48, 128), 128)``,
      ``AdaptiveAvgPool2d((1, 1))``, ``Flatten``

    Each of b1..b5 is an ``nn.Sequential``.

    The book runs a tensor of shape (1, 1, 96, 96) through the top-level layers
    and prints (书中逐层输出的形状)::

        Sequential output shape: torch.Size([1, 64, 24, 24])
        Sequential output shape: torch.Size([1, 192, 12, 12])
        Sequential output shape: torch.Size([1, 480, 6, 6])
        Sequential output shape: torch.Size([1, 832, 3, 3])
        Sequential output shape: torch.Size([1, 1024])
        Linear output shape: torch.Size([1, 10])

    Parameters (参数总数): 5,977,530
    """
    raise NotImplementedError(
        "googlenet is not implemented yet: write it as its docstring describes, "
        "then run pytest exercises/test_googlenet.py\n"
        "googlenet 尚未实现：请按文档字符串的说明完成它，"
        "然后运行 pytest exercises/test_googlenet.py")
