# Your work: replace every `raise NotImplementedError(...)` below with code.
# 你的任务：把下面每个 `raise NotImplementedError(...)` 换成你的代码。
# (Generated from solutions/lenet.py by `python -m grader stubs`.)
"""LeNet (d2l 6.6 / 《动手学深度学习》6.6节): the first convolutional network that worked.

Two convolution blocks (convolution, sigmoid, average pooling) followed by
three fully connected layers. Input: 1x28x28 Fashion-MNIST images; output: 10
class scores.
"""
from torch import nn


def lenet():
    """Build the book's LeNet as one ``nn.Sequential`` of 12 layers.

    Layers, in order (按顺序):

    1. ``Conv2d(1 -> 6, kernel 5, padding 2)``, then ``Sigmoid``
    2. ``AvgPool2d(kernel 2, stride 2)``
    3. ``Conv2d(6 -> 16, kernel 5)`` (no padding), then ``Sigmoid``
    4. ``AvgPool2d(kernel 2, stride 2)``
    5. ``Flatten``
    6. ``Linear(16*5*5 -> 120)``, ``Sigmoid``, ``Linear(120 -> 84)``, ``Sigmoid``
    7. ``Linear(84 -> 10)`` (no activation: these are the class scores)

    The book runs a tensor of shape (1, 1, 28, 28) through the top-level layers
    and prints (书中逐层输出的形状)::

        Conv2d output shape: torch.Size([1, 6, 28, 28])
        Sigmoid output shape: torch.Size([1, 6, 28, 28])
        AvgPool2d output shape: torch.Size([1, 6, 14, 14])
        Conv2d output shape: torch.Size([1, 16, 10, 10])
        Sigmoid output shape: torch.Size([1, 16, 10, 10])
        AvgPool2d output shape: torch.Size([1, 16, 5, 5])
        Flatten output shape: torch.Size([1, 400])
        Linear output shape: torch.Size([1, 120])
        Sigmoid output shape: torch.Size([1, 120])
        Linear output shape: torch.Size([1, 84])
        Sigmoid output shape: torch.Size([1, 84])
        Linear output shape: torch.Size([1, 10])

    Parameters (参数总数): 61,706
    """
    raise NotImplementedError(
        "lenet is not implemented yet: write it as its docstring describes, "
        "then run pytest exercises/test_lenet.py\n"
        "lenet 尚未实现：请按文档字符串的说明完成它，"
        "然后运行 pytest exercises/test_lenet.py")
