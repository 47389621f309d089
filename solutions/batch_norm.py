"""LeNet with batch normalization.

The book's concise version: LeNet with ``nn.BatchNorm2d`` after each
convolution and ``nn.BatchNorm1d`` after each hidden fully connected layer,
always *between* the layer and its sigmoid. Note that this version of the book
uses no padding in the first convolution, so the flattened features are
16*4*4 = 256.
"""
from torch import nn


def lenet_bn():
    """Build the book's LeNet with BatchNorm as one ``nn.Sequential`` of 16 layers.

    Layers, in order (按顺序):

    1. ``Conv2d(1 -> 6, kernel 5)``, ``BatchNorm2d(6)``, ``Sigmoid``
    2. ``AvgPool2d(kernel 2, stride 2)``
    3. ``Conv2d(6 -> 16, kernel 5)``, ``BatchNorm2d(16)``, ``Sigmoid``
    4. ``AvgPool2d(kernel 2, stride 2)``
    5. ``Flatten``
    6. ``Linear(256 -> 120)``, ``BatchNorm1d(120)``, ``Sigmoid``
    7. ``Linear(120 -> 84)``, ``BatchNorm1d(84)``, ``Sigmoid``
    8. ``Linear(84 -> 10)``

    Use the default BatchNorm settings (eps 1e-5, momentum 0.1, affine).
    """
    ### BEGIN SOLUTION
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5), nn.BatchNorm2d(6), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(256, 120), nn.BatchNorm1d(120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.BatchNorm1d(84), nn.Sigmoid(),
        nn.Linear(84, 10))
    ### END SOLUTION
