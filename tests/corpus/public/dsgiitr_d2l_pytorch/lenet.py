# Provenance: dsgiitr/d2l-pytorch (an early PyTorch port of the English d2l, 2019), master at
#   commit e84da49a9ea4ba448f4aaf2d18ecd9edafaa2419 (file last changed in c20644455b3d, 2019-06-14),
#   Ch08_Convolutional_Neural_Networks/Convolutional_Neural_Networks(LeNet).ipynb, third code cell.
#   https://github.com/dsgiitr/d2l-pytorch/blob/master/Ch08_Convolutional_Neural_Networks/Convolutional_Neural_Networks(LeNet).ipynb
# Licence: Apache-2.0 (the repository's LICENSE). Copyright the dsgiitr/d2l-pytorch contributors;
#   modified as stated here.
# Changes: the module-level `net = ...` wrapped in `def lenet()`. Otherwise verbatim.
# Style exercised: hand-written `Flatten` (x.view(x.shape[0], -1)) and `Reshape`
#   (x.view(-1,1,28,28)) modules, every layer on its own line, keyword arguments in_channels= /
#   out_channels= / in_features= / out_features=, `torch.nn.Sequential` spelled out.
#   (This port's AlexNet, VGG, NiN, GoogLeNet, LeNet-BN and ResNet differ from the book's
#   functions: see ../DIFFERENT/.)
import torch
import torch.nn as nn


class Flatten(torch.nn.Module):
    def forward(self, x):
        return x.view(x.shape[0], -1)

class Reshape(torch.nn.Module):
    def forward(self, x):
        return x.view(-1,1,28,28)


def lenet():
    net = torch.nn.Sequential(
        Reshape(),
        nn.Conv2d(in_channels=1, out_channels=6, kernel_size=5, padding=2),
        nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(in_channels=6, out_channels=16, kernel_size=5),
        nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        Flatten(),
        nn.Linear(in_features=16*5*5, out_features=120),
        nn.Sigmoid(),
        nn.Linear(120, 84),
        nn.Sigmoid(),
        nn.Linear(84, 10)
    )
    return net
