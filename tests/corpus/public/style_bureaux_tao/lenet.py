# Style source: Bureaux-Tao/d2l-pytorch (a learner's scripts for d2l-zh v2), commit
#   ab64f8f82d54bef6ec74ff7a27d311306bdd195e (2022-05-07), src/ch6/ch6_6_alt.py (`class LeNet`).
#   https://github.com/Bureaux-Tao/d2l-pytorch/blob/master/src/ch6/ch6_6_alt.py
#   The repository has no licence file, so none of its code is copied: this file was written for
#   this corpus, imitating the layout of its model code only, with the book's layers.
# Licence of this file: same as the kit.
# Style exercised: an nn.Module wrapper whose only child is an nn.Sequential called `model`
#   (forward returns self.model(x)), holding the old edition's no-op Reshape layer, a LeNet
#   built per call of the kit's `lenet()`.
import torch
from torch import nn


class Reshape(nn.Module):
    def forward(self, x):
        return x.view(-1, 1, 28, 28)


class LeNet(nn.Module):
    def __init__(self):
        super(LeNet, self).__init__()
        # the whole network in one Sequential
        self.model = nn.Sequential(
            Reshape(),
            nn.Conv2d(1, 6, kernel_size = 5, padding = 2), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size = 2, stride = 2),
            nn.Conv2d(6, 16, kernel_size = 5), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size = 2, stride = 2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
            nn.Linear(120, 84), nn.Sigmoid(),
            nn.Linear(84, 10)
        )

    # forward pass
    def forward(self, x):
        output = self.model(x)
        return output


def lenet():
    return LeNet()
