# DIFFERS from the book's function, INVISIBLY to shapes, parameter counts and eval-mode outputs:
#   the dropout layers sit elsewhere. The head is Flatten, Dropout(0.5) BEFORE the first Linear,
#   Linear, ReLU, Dropout2d(0.5) (channel dropout, applied to a 2-D tensor), Linear, ReLU,
#   Linear -- the book drops out AFTER each of the two hidden ReLUs with nn.Dropout. Identical
#   in eval mode, different in train mode. (Also: in-place ReLUs and dropouts.) With current
#   PyTorch its training-mode backward pass even raises: the in-place Dropout2d overwrites the
#   output of the preceding nn.ReLU, which ReLU's backward needs.
# Provenance: dsgiitr/d2l-pytorch, master at commit e84da49a9ea4ba448f4aaf2d18ecd9edafaa2419 (file
#   last changed in fc3762a44fea, 2019-06-20), Ch09_Modern_Convolutional_Networks/AlexNet.ipynb.
#   https://github.com/dsgiitr/d2l-pytorch/blob/master/Ch09_Modern_Convolutional_Networks/AlexNet.ipynb
# Licence: Apache-2.0 (the repository's LICENSE). Copyright the dsgiitr/d2l-pytorch contributors;
#   modified as stated here.
# Changes: the module-level `net = ...` wrapped in `def alexnet()`.
import torch
import torch.nn as nn


class Flatten(nn.Module):
    def forward(self, input):
        return input.view(input.size(0), -1)


def alexnet():
    net = nn.Sequential(
                nn.Conv2d(1, 96, kernel_size=11, stride=4, padding=1),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Conv2d(96, 256, kernel_size=5, padding=2),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Conv2d(256, 384, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(384, 384, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(384, 256, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
                Flatten(),
                nn.Dropout(p=0.5,inplace=True),
                nn.Linear(in_features=6400,out_features=4096),
                nn.ReLU(),
                nn.Dropout2d(p=0.5,inplace=True),
                nn.Linear(in_features=4096,out_features=4096),
                nn.ReLU(),
                nn.Linear(in_features=4096,out_features=10)
                )
    return net
