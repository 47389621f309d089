# Style source: Bureaux-Tao/d2l-pytorch, commit ab64f8f82d54bef6ec74ff7a27d311306bdd195e
#   (2022-05-07), src/ch7/ch7_1_alt.py (`class AlexNet`).
#   https://github.com/Bureaux-Tao/d2l-pytorch/blob/master/src/ch7/ch7_1_alt.py
#   The repository has no licence file, so none of its code is copied: this file was written for
#   this corpus, imitating the layout of its model code only, with the book's layers.
# Licence of this file: same as the kit.
# Style exercised: an nn.Module wrapper with constructor options that do not change the layers
#   (`channel`, `size`, stored as plain attributes and used only by a `summary()` helper),
#   the network in `self.model`, `kernel_size = 11` spacing, a `summary()` method that
#   prints the layer table.
import torch
from torch import nn


class AlexNet(nn.Module):
    def __init__(self, channel = 1, size = (224, 224)):
        super(AlexNet, self).__init__()
        self.channel = channel
        self.size = size
        self.model = nn.Sequential(
            nn.Conv2d(1, 96, kernel_size = 11, stride = 4, padding = 1), nn.ReLU(),
            nn.MaxPool2d(kernel_size = 3, stride = 2),
            nn.Conv2d(96, 256, kernel_size = 5, padding = 2), nn.ReLU(),
            nn.MaxPool2d(kernel_size = 3, stride = 2),
            nn.Conv2d(256, 384, kernel_size = 3, padding = 1), nn.ReLU(),
            nn.Conv2d(384, 384, kernel_size = 3, padding = 1), nn.ReLU(),
            nn.Conv2d(384, 256, kernel_size = 3, padding = 1), nn.ReLU(),
            nn.MaxPool2d(kernel_size = 3, stride = 2),
            nn.Flatten(),
            nn.Linear(6400, 4096), nn.ReLU(),
            nn.Dropout(p = 0.5),
            nn.Linear(4096, 4096), nn.ReLU(),
            nn.Dropout(p = 0.5),
            nn.Linear(4096, 10)
        )

    def forward(self, x):
        output = self.model(x)
        return output

    def summary(self):
        X = torch.randn(1, self.channel, self.size[0], self.size[1])
        print("Layer name".ljust(15, " "), "Output shape")
        for layer in self.model:
            X = layer(X)
            print(layer.__class__.__name__.ljust(15, " "), X.shape)


def alexnet():
    return AlexNet(channel = 1, size = (224, 224))
