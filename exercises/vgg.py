# Your work: replace every `raise NotImplementedError(...)` below with code.
# 你的任务：把下面每个 `raise NotImplementedError(...)` 换成你的代码。
# (Generated from solutions/vgg.py by `python -m grader stubs`.)
"""VGG (d2l 7.2 / 《动手学深度学习》7.2节): networks built from repeated blocks.

A VGG block is a run of 3x3 convolutions (padding 1) with ReLU, closed by a
2x2 max-pooling layer that halves height and width. VGG-11 stacks five such
blocks and ends with the same three fully connected layers as AlexNet.
"""
from torch import nn

# VGG-11: (number of convolutions, output channels) of each of the 5 blocks.
conv_arch = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


def vgg_block(num_convs, in_channels, out_channels):
    """Return one VGG block as an ``nn.Sequential``.

    ``num_convs`` times: ``Conv2d(kernel 3, padding 1)`` then ``ReLU``. The
    first convolution maps ``in_channels -> out_channels``, every later one
    ``out_channels -> out_channels``. Then ``MaxPool2d(kernel 2, stride 2)``.
    A block of ``num_convs`` convolutions has ``2 * num_convs + 1`` layers.

    Example (示例): ``vgg_block(1, 3, 8)`` maps shape (2, 3, 16, 16) to (2, 8, 8, 8) and has 224 parameters.
    Example (示例): ``vgg_block(2, 3, 8)`` maps shape (2, 3, 16, 16) to (2, 8, 8, 8) and has 808 parameters.
    """
    raise NotImplementedError(
        "vgg_block is not implemented yet: write it as its docstring describes, "
        "then run pytest exercises/test_vgg.py\n"
        "vgg_block 尚未实现：请按文档字符串的说明完成它，"
        "然后运行 pytest exercises/test_vgg.py")


def vgg(conv_arch):
    """Build a VGG network for 1-channel 224x224 input as one ``nn.Sequential``.

    One ``vgg_block`` per ``(num_convs, out_channels)`` pair of ``conv_arch``,
    the first with 1 input channel, each later one taking the previous block's
    output channels. Then ``Flatten``, ``Linear(out_channels*7*7 -> 4096)``,
    ``ReLU``, ``Dropout(0.5)``, ``Linear(4096 -> 4096)``, ``ReLU``,
    ``Dropout(0.5)``, ``Linear(4096 -> 10)``, where ``out_channels`` is that of
    the last block. ``vgg(conv_arch)`` is VGG-11.

    Example (示例): ``vgg(((1, 8), (2, 16)))`` maps shape (2, 1, 28, 28) to (2, 10) and has 20,041,210 parameters.
    The book runs a tensor of shape (1, 1, 224, 224) through the top-level layers
    and prints (书中逐层输出的形状)::

        Sequential output shape: torch.Size([1, 64, 112, 112])
        Sequential output shape: torch.Size([1, 128, 56, 56])
        Sequential output shape: torch.Size([1, 256, 28, 28])
        Sequential output shape: torch.Size([1, 512, 14, 14])
        Sequential output shape: torch.Size([1, 512, 7, 7])
        Flatten output shape: torch.Size([1, 25088])
        Linear output shape: torch.Size([1, 4096])
        ReLU output shape: torch.Size([1, 4096])
        Dropout output shape: torch.Size([1, 4096])
        Linear output shape: torch.Size([1, 4096])
        ReLU output shape: torch.Size([1, 4096])
        Dropout output shape: torch.Size([1, 4096])
        Linear output shape: torch.Size([1, 10])

    Parameters (参数总数): 128,806,154
    """
    raise NotImplementedError(
        "vgg is not implemented yet: write it as its docstring describes, "
        "then run pytest exercises/test_vgg.py\n"
        "vgg 尚未实现：请按文档字符串的说明完成它，"
        "然后运行 pytest exercises/test_vgg.py")
