# Provenance: Tomspiano/D2L-PyTorch (a learner's PyTorch rewrite of d2l), master at commit
#   c748c72a2da66211bd88c1adcd048b05be40e77c (2020-07-20; file last changed in 764a66e1812a,
#   2020-07-19), modules/d2lCustom.py, `class LeNet`.
#   https://github.com/Tomspiano/D2L-PyTorch/blob/master/modules/d2lCustom.py
# Licence: Apache-2.0 (the repository's LICENSE). Copyright Tomspiano; modified as stated here.
# Changes: only `class LeNet` kept; kit adapter `lenet()` at the bottom. Otherwise verbatim.
# Style exercised: an nn.Module class (not an nn.Sequential) with two children `conv` and `fc`
#   (two nn.Sequentials), flattening done in forward with `feature.view(img.shape[0], -1)` (no
#   Flatten layer anywhere), positional `nn.AvgPool2d(2, 2)` / `nn.Conv2d(6, 16, 5)`.
#   (This repository's AlexNet, NiN, GoogLeNet and ResNet differ from the book's functions: see
#   ../DIFFERENT/tomspiano_alexnet and the README.)
import torch
from torch import nn


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
                nn.Conv2d(1, 6, kernel_size=5, padding=2),
                nn.Sigmoid(),
                nn.AvgPool2d(2, 2),

                nn.Conv2d(6, 16, 5),
                nn.Sigmoid(),
                nn.AvgPool2d(2, 2)
        )
        self.fc = nn.Sequential(
                nn.Linear(16 * 5 * 5, 120),
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
