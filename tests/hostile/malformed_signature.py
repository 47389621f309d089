from torch import nn


def lenet(num_classes):
    return nn.Sequential(nn.Flatten(), nn.Linear(784, num_classes))
