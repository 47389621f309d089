# DIFFERS from the book's function, INVISIBLY to shapes, parameter counts and eval-mode outputs:
#   dropout is applied to the INPUTS of the two hidden fully connected layers (Dropout, Linear,
#   ReLU, Dropout, Linear, ReLU, Linear) where the book applies it to their OUTPUTS (Linear,
#   ReLU, Dropout, Linear, ReLU, Dropout, Linear). Identical in eval mode, different in train mode.
#   (Spelling: an nn.Module with children `conv` and `fc`, `view` in forward, no Flatten layer.)
# Provenance: Tomspiano/D2L-PyTorch, master at commit c748c72a2da66211bd88c1adcd048b05be40e77c
#   (2020-07-20; file last changed in 764a66e1812a, 2020-07-19), modules/d2lCustom.py, `class AlexNet`.
#   https://github.com/Tomspiano/D2L-PyTorch/blob/master/modules/d2lCustom.py
# Licence: Apache-2.0 (the repository's LICENSE). Copyright Tomspiano; modified as stated here.
# Changes: only `class AlexNet` kept; kit adapter `alexnet()` at the bottom.
#   (The same file's NiN, GoogLeNet and ResNet use global MAX pooling, and its GoogLeNet lacks
#   b2's second ReLU, like ../dsgiitr_nin, ../dsgiitr_resnet and ../d2l_en_v0_16_0_googlenet.)
import torch
from torch import nn


class AlexNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
                # capture the object
                nn.Conv2d(1, 96, kernel_size=11, stride=4, padding=1), nn.ReLU(),
                nn.MaxPool2d(3, 2),

                # Make the convolution window smaller, set padding to 2 for consistent
                # height and width across the input and output, and increase the
                # number of output channels
                nn.Conv2d(96, 256, kernel_size=5, padding=2), nn.ReLU(),
                nn.MaxPool2d(3, 2),

                # Use three successive convolutional layers and a smaller convolution
                # window. Except for the final convolutional layer, the number of
                # output channels is further increased. Pooling layers are not used to
                # reduce the height and width of input after the first two
                # convolutional layers
                nn.Conv2d(256, 384, kernel_size=3, padding=1), nn.ReLU(),
                nn.Conv2d(384, 384, kernel_size=3, padding=1), nn.ReLU(),
                nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(),
                nn.MaxPool2d(3, 2)
        )

        # the number of outputs of the fully connected layer is several times larger
        # than that in LeNet.
        # Use the dropout layer to mitigate overfitting
        self.fc = nn.Sequential(
                nn.Dropout(0.5),
                nn.Linear(256 * 5 * 5, 4096), nn.ReLU(),
                nn.Dropout(0.5),
                nn.Linear(4096, 4096), nn.ReLU(),
                # the number of classes in Fashion-MNIST is 10
                nn.Linear(4096, 10),
        )

    def forward(self, img):
        feature = self.conv(img)
        output = self.fc(feature.view(img.shape[0], -1))
        return output


# ---- kit adapter ----
def alexnet():
    return AlexNet()
