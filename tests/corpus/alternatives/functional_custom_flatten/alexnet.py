"""AlexNet, style: feature extractor and classifier built as lists, hand-written Flatten."""
import torch
from torch import nn


class Flatten(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.view(x.size(0), -1)


def alexnet():
    features = [
        nn.Conv2d(1, 96, 11, 4, 1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
    ]
    for c_in, c_out in ((256, 384), (384, 384), (384, 256)):
        features += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU()]
    features.append(nn.MaxPool2d(3, 2))
    classifier = []
    for n_in in (6400, 4096):
        classifier += [nn.Linear(n_in, 4096), nn.ReLU(), nn.Dropout(0.5)]
    classifier.append(nn.Linear(4096, 10))
    return nn.Sequential(*features, Flatten(), *classifier)
