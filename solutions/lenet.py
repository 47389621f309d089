"""LeNet: the first convolutional network that worked.

Two convolution blocks (convolution, sigmoid, average pooling) followed by
three fully connected layers. Input: 1x28x28 Fashion-MNIST images; output: 10
class scores.
"""
from torch import nn


def lenet():
    """Build the book's LeNet as one ``nn.Sequential`` of 12 layers.

    Layers, in order (按顺序):

    1. ``Conv2d(1 -> 6, kernel 5, padding 2)``, then ``Sigmoid``
    2. ``AvgPool2d(kernel 2, stride 2)``
    3. ``Conv2d(6 -> 16, kernel 5)`` (no padding), then ``Sigmoid``
    4. ``AvgPool2d(kernel 2, stride 2)``
    5. ``Flatten``
    6. ``Linear(16*5*5 -> 120)``, ``Sigmoid``, ``Linear(120 -> 84)``, ``Sigmoid``
    7. ``Linear(84 -> 10)`` (no activation: these are the class scores)
    """
    ### BEGIN SOLUTION
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))
    ### END SOLUTION
