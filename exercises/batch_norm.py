# Your work: replace every `raise NotImplementedError(...)` below with code.
# 你的任务：把下面每个 `raise NotImplementedError(...)` 换成你的代码。
# (Generated from solutions/batch_norm.py by `python -m grader stubs`.)
"""LeNet with batch normalization (d2l 7.5 / 《动手学深度学习》7.5节).

The book's concise version: LeNet with ``nn.BatchNorm2d`` after each
convolution and ``nn.BatchNorm1d`` after each hidden fully connected layer,
always *between* the layer and its sigmoid. Note that this version of the book
uses no padding in the first convolution, so the flattened features are
16*4*4 = 256.
"""
from torch import nn


def lenet_bn():
    """Build the book's LeNet with BatchNorm as one ``nn.Sequential`` of 16 layers.

    Layers, in order (按顺序):

    1. ``Conv2d(1 -> 6, kernel 5)``, ``BatchNorm2d(6)``, ``Sigmoid``
    2. ``AvgPool2d(kernel 2, stride 2)``
    3. ``Conv2d(6 -> 16, kernel 5)``, ``BatchNorm2d(16)``, ``Sigmoid``
    4. ``AvgPool2d(kernel 2, stride 2)``
    5. ``Flatten``
    6. ``Linear(256 -> 120)``, ``BatchNorm1d(120)``, ``Sigmoid``
    7. ``Linear(120 -> 84)``, ``BatchNorm1d(84)``, ``Sigmoid``
    8. ``Linear(84 -> 10)``

    Use the default BatchNorm settings (eps 1e-5, momentum 0.1, affine).

    The book runs a tensor of shape (2, 1, 28, 28) through the top-level layers
    and prints (书中逐层输出的形状)::

        Conv2d output shape: torch.Size([2, 6, 24, 24])
        BatchNorm2d output shape: torch.Size([2, 6, 24, 24])
        Sigmoid output shape: torch.Size([2, 6, 24, 24])
        AvgPool2d output shape: torch.Size([2, 6, 12, 12])
        Conv2d output shape: torch.Size([2, 16, 8, 8])
        BatchNorm2d output shape: torch.Size([2, 16, 8, 8])
        Sigmoid output shape: torch.Size([2, 16, 8, 8])
        AvgPool2d output shape: torch.Size([2, 16, 4, 4])
        Flatten output shape: torch.Size([2, 256])
        Linear output shape: torch.Size([2, 120])
        BatchNorm1d output shape: torch.Size([2, 120])
        Sigmoid output shape: torch.Size([2, 120])
        Linear output shape: torch.Size([2, 84])
        BatchNorm1d output shape: torch.Size([2, 84])
        Sigmoid output shape: torch.Size([2, 84])
        Linear output shape: torch.Size([2, 10])

    Parameters (参数总数): 44,878
    """
    raise NotImplementedError(
        "lenet_bn is not implemented yet: write it as its docstring describes, "
        "then run pytest exercises/test_batch_norm.py\n"
        "lenet_bn 尚未实现：请按文档字符串的说明完成它，"
        "然后运行 pytest exercises/test_batch_norm.py")
