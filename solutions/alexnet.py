"""AlexNet, for 1-channel 224x224 input.

Five convolutions with ReLU, three max-pooling layers, and two 4096-wide
fully connected layers regularised with dropout.
"""
from torch import nn


def alexnet():
    """Build the book's AlexNet as one ``nn.Sequential`` of 21 layers.

    Layers, in order (按顺序):

    1. ``Conv2d(1 -> 96, kernel 11, stride 4, padding 1)``, ``ReLU``,
       ``MaxPool2d(kernel 3, stride 2)``
    2. ``Conv2d(96 -> 256, kernel 5, padding 2)``, ``ReLU``,
       ``MaxPool2d(kernel 3, stride 2)``
    3. ``Conv2d(256 -> 384, kernel 3, padding 1)``, ``ReLU``
    4. ``Conv2d(384 -> 384, kernel 3, padding 1)``, ``ReLU``
    5. ``Conv2d(384 -> 256, kernel 3, padding 1)``, ``ReLU``,
       ``MaxPool2d(kernel 3, stride 2)``
    6. ``Flatten``
    7. ``Linear(6400 -> 4096)``, ``ReLU``, ``Dropout(p=0.5)``
    8. ``Linear(4096 -> 4096)``, ``ReLU``, ``Dropout(p=0.5)``
    9. ``Linear(4096 -> 10)``
    """
    ### BEGIN SOLUTION
    return nn.Sequential(
        nn.Conv2d(1, 96, kernel_size=11, stride=4, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(96, 256, kernel_size=5, padding=2), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(256, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Flatten(),
        nn.Linear(6400, 4096), nn.ReLU(), nn.Dropout(p=0.5),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(p=0.5),
        nn.Linear(4096, 10))
    ### END SOLUTION
