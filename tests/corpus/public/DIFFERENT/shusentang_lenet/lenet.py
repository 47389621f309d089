# DIFFERS from the book's function: the LeNet of d2l-zh's FIRST edition: no padding in the first
#   convolution (28x28 -> 24x24) and MAX pooling instead of average pooling, so the first fully
#   connected layer is Linear(16*4*4, 120): 44,426 parameters instead of 61,706.
# Provenance: ShusenTang/Dive-into-DL-PyTorch (PyTorch port of d2l-zh v1), master at commit
#   09c8bacc08599eb86236551454ba43b82cb91498 (2020-06-24), docs/chapter05_CNN/5.5_lenet.md.
#   https://github.com/ShusenTang/Dive-into-DL-PyTorch/blob/master/docs/chapter05_CNN/5.5_lenet.md
# Licence: Apache-2.0 (the repository's LICENSE). Copyright ShusenTang and contributors; modified
#   as stated here.
# Changes: only `class LeNet` kept; kit adapter `lenet()` at the bottom.
import torch
from torch import nn


class LeNet(nn.Module):
    def __init__(self):
        super(LeNet, self).__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 6, 5), # in_channels, out_channels, kernel_size
            nn.Sigmoid(),
            nn.MaxPool2d(2, 2), # kernel_size, stride
            nn.Conv2d(6, 16, 5),
            nn.Sigmoid(),
            nn.MaxPool2d(2, 2)
        )
        self.fc = nn.Sequential(
            nn.Linear(16*4*4, 120),
            nn.Sigmoid(),
            nn.Linear(120, 84),
            nn.Sigmoid(),
            nn.Linear(84, 10)
        )

    def forward(self, img):
        feature = self.conv(img)
        output = self.fc(feature.view(img.shape[0], -1))
        return output


# ---- kit adapter ----
def lenet():
    return LeNet()
