import torch


def lenet():
    return torch.zeros(3)
