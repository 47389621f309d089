# Your work: replace every `raise NotImplementedError(...)` below with code.
# 你的任务：把下面每个 `raise NotImplementedError(...)` 换成你的代码。
# (Generated from solutions/alexnet.py by `python -m grader stubs`.)
"""AlexNet (d2l 7.1 / 《动手学深度学习》7.1节), for 1-channel 224x224 input.

Five convolutions with ReLU, three max-pooling layers, and two 4096-wide
fully connected layers regularised with dropout.
"""
from torch import nn


def alexnet():
    """Build the book's AlexNet as one ``nn.Sequential`` of 21 layers.

    Layers, in order (按顺序):

    1. ``Conv2d(1 -> 96, kernel 11, stride 4, padding 1)``, ``ReLU``,
       ``MaxPool2d(kernel 3, stride 2)``
    2. ``Conv2d(96 -> 256, kernel 5, padding 2)``, ``ReLU``,
       ``MaxPool2d(kernel 3, stride 2)``
    3. ``Conv2d(256 -> 384, kernel 3, padding 1)``, ``ReLU``
    4. ``Conv2d(384 -> 384, kernel 3, padding 1)``, ``ReLU``
    5. ``Conv2d(384 -> 256, kernel 3, padding 1)``, ``ReLU``,
       ``MaxPool2d(kernel 3, stride 2)``
    6. ``Flatten``
    7. ``Linear(6400 -> 4096)``, ``ReLU``, ``Dropout(p=0.5)``
    8. ``Linear(4096 -> 4096)``, ``ReLU``, ``Dropout(p=0.5)``
    9. ``Linear(4096 -> 10)``

    The book runs a tensor of shape (1, 1, 224, 224) through the top-level layers
    and prints (书中逐层输出的形状)::

        Conv2d output shape: torch.Size([1, 96, 54, 54])
        ReLU output shape: torch.Size([1, 96, 54, 54])
        MaxPool2d output shape: torch.Size([1, 96, 26, 26])
        Conv2d output shape: torch.Size([1, 256, 26, 26])
        ReLU output shape: torch.Size([1, 256, 26, 26])
        MaxPool2d output shape: torch.Size([1, 256, 12, 12])
        Conv2d output shape: torch.Size([1, 384, 12, 12])
        ReLU output shape: torch.Size([1, 384, 12, 12])
        Conv2d output shape: torch.Size([1, 384, 12, 12])
        ReLU output shape: torch.Size([1, 384, 12, 12])
        Conv2d output shape: torch.Size([1, 256, 12, 12])
        ReLU output shape: torch.Size([1, 256, 12, 12])
        MaxPool2d output shape: torch.Size([1, 256, 5, 5])
        Flatten output shape: torch.Size([1, 6400])
        Linear output shape: torch.Size([1, 4096])
        ReLU output shape: torch.Size([1, 4096])
        Dropout output shape: torch.Size([1, 4096])
        Linear output shape: torch.Size([1, 4096])
        ReLU output shape: torch.Size([1, 4096])
        Dropout output shape: torch.Size([1, 4096])
        Linear output shape: torch.Size([1, 10])

    Parameters (参数总数): 46,764,746
    """
    raise NotImplementedError(
        "alexnet is not implemented yet: write it as its docstring describes, "
        "then run pytest exercises/test_alexnet.py\n"
        "alexnet 尚未实现：请按文档字符串的说明完成它，"
        "然后运行 pytest exercises/test_alexnet.py")
