# Provenance: d2l-ai/d2l-zh (《动手学深度学习》第二版), tag v2.0.0 (commit 3edee269d4c99153a1f57f263381df90e814c713,
#   2022-12-07; these cells unchanged at master e6b18cce, 2023-08), chapter_convolutional-modern/alexnet.md, the `#@tab pytorch` cells.
#   https://github.com/d2l-ai/d2l-zh/blob/v2.0.0/chapter_convolutional-modern/alexnet.md
# Licence: Apache-2.0 (the repository's LICENSE). Copyright the d2l-zh authors; modified as stated.
# Changes: the module-level `net = ...` is wrapped in `def alexnet()`; d2l import dropped.
# Style exercised: the Chinese edition verbatim, Chinese comments between the layers.
import torch
from torch import nn


def alexnet():
    net = nn.Sequential(
        # 这里使用一个11*11的更大窗口来捕捉对象。
        # 同时，步幅为4，以减少输出的高度和宽度。
        # 另外，输出通道的数目远大于LeNet
        nn.Conv2d(1, 96, kernel_size=11, stride=4, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        # 减小卷积窗口，使用填充为2来使得输入与输出的高和宽一致，且增大输出通道数
        nn.Conv2d(96, 256, kernel_size=5, padding=2), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        # 使用三个连续的卷积层和较小的卷积窗口。
        # 除了最后的卷积层，输出通道的数量进一步增加。
        # 在前两个卷积层之后，汇聚层不用于减少输入的高度和宽度
        nn.Conv2d(256, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Flatten(),
        # 这里，全连接层的输出数量是LeNet中的好几倍。使用dropout层来减轻过拟合
        nn.Linear(6400, 4096), nn.ReLU(),
        nn.Dropout(p=0.5),
        nn.Linear(4096, 4096), nn.ReLU(),
        nn.Dropout(p=0.5),
        # 最后是输出层。由于这里使用Fashion-MNIST，所以用类别数为10，而非论文中的1000
        nn.Linear(4096, 10))
    return net
