"""A student's LeNet with two mistakes, for ``make demo``: ``python -m grader grade examples/student``.

The first pooling takes the maximum where the book averages, and nothing
flattens the images before the first Linear, so the forward pass raises
there. The grader names both mistakes where they are, and charges each once.
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
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.MaxPool2d(kernel_size=2, stride=2),          # the book averages here
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),       # and flattens before this layer
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))
