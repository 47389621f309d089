# Provenance: d2l-ai/d2l-en, tag v1.0.3 (commit b2e2ae30898a9d0126a9699ae7e441de3e272715, 2023-08-18;
#   unchanged at master 23d7a5ae), chapter_convolutional-modern/resnet.md, `%%tab pytorch` cells:
#   `class Residual`, `class ResNet(d2l.Classifier)` (b1, `block` and `__init__` attached with
#   @d2l.add_to_class) and `class ResNet18(ResNet)`.
#   https://github.com/d2l-ai/d2l-en/blob/v1.0.3/chapter_convolutional-modern/resnet.md
# Licence: sample code under LICENSE-SAMPLECODE (modified MIT, no attribution required).
# Changes: only the PyTorch branches kept; minimal d2l stand-in inlined; kit adapter at the bottom:
#   the book's lazy `Residual(num_channels, use_1x1conv=False, strides=1)` has no input channels;
#   the adapter subclass (same name) takes the kit's `Residual(input_channels, num_channels, ...)`
#   (input_channels ignored: inferred) and still accepts the book's one-argument calls in
#   ResNet.block. `resnet_block` calls the book's `ResNet.block` (which returns an nn.Sequential,
#   not a list, and takes (num_residuals, num_channels) in that order).
# Style exercised: lazy convolutions and nn.LazyBatchNorm2d, stages named with
#   `self.net.add_module(f'b{i+2}', ...)`, the head written as ONE nested nn.Sequential named
#   'last' (AdaptiveAvgPool2d, Flatten, LazyLinear): the top level has 6 children, not 8;
#   architecture given as data ((2, 64), (2, 128), (2, 256), (2, 512)); Classifier wrapper.
import torch
from torch import nn
from torch.nn import functional as F


# ---------------------------------------------------------------------------------------------
# Minimal stand-in for `from d2l import torch as d2l` (d2l/torch.py of v1.0.3), torch only:
# just what the cells below use. The book's d2l.Module also records the constructor's arguments
# as attributes (with `inspect`) and draws training plots; the networks need neither.
class _D2L:
    class Module(nn.Module):
        def save_hyperparameters(self, ignore=[]):
            pass

        def forward(self, X):
            assert hasattr(self, 'net'), 'Neural network is defined'
            return self.net(X)

    class Classifier(Module):
        def layer_summary(self, X_shape):
            X = torch.randn(*X_shape)
            for layer in self.net:
                X = layer(X)
                print(layer.__class__.__name__, 'output shape:\t', X.shape)

    @staticmethod
    def init_cnn(module):
        """Initialize weights for CNNs."""
        if type(module) == nn.Linear or type(module) == nn.Conv2d:
            nn.init.xavier_uniform_(module.weight)

    @staticmethod
    def add_to_class(Class):
        """Register functions as methods in created class."""
        def wrapper(obj):
            setattr(Class, obj.__name__, obj)
        return wrapper


d2l = _D2L
# ---------------------------------------------------------------------------------------------


class Residual(nn.Module):  #@save
    """The Residual block of ResNet models."""
    def __init__(self, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1,
                                   stride=strides)
        self.conv2 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1)
        if use_1x1conv:
            self.conv3 = nn.LazyConv2d(num_channels, kernel_size=1,
                                       stride=strides)
        else:
            self.conv3 = None
        self.bn1 = nn.LazyBatchNorm2d()
        self.bn2 = nn.LazyBatchNorm2d()

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)


class ResNet(d2l.Classifier):
    def b1(self):
        return nn.Sequential(
            nn.LazyConv2d(64, kernel_size=7, stride=2, padding=3),
            nn.LazyBatchNorm2d(), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


@d2l.add_to_class(ResNet)
def block(self, num_residuals, num_channels, first_block=False):
    blk = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blk.append(Residual(num_channels, use_1x1conv=True, strides=2))
        else:
            blk.append(Residual(num_channels))
    return nn.Sequential(*blk)


@d2l.add_to_class(ResNet)
def __init__(self, arch, lr=0.1, num_classes=10):
    super(ResNet, self).__init__()
    self.save_hyperparameters()
    self.net = nn.Sequential(self.b1())
    for i, b in enumerate(arch):
        self.net.add_module(f'b{i+2}', self.block(*b, first_block=(i==0)))
    self.net.add_module('last', nn.Sequential(
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
        nn.LazyLinear(num_classes)))
    self.net.apply(d2l.init_cnn)


class ResNet18(ResNet):
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__(((2, 64), (2, 128), (2, 256), (2, 512)),
                       lr, num_classes)


# ---- kit adapter ----
_BookResidual = Residual


class Residual(_BookResidual):
    def __init__(self, input_channels, num_channels=None, use_1x1conv=False, strides=1):
        if num_channels is None:      # the book's own call Residual(num_channels, ...)
            num_channels = input_channels
        super().__init__(num_channels, use_1x1conv=use_1x1conv, strides=strides)


def resnet_block(input_channels, num_channels, num_residuals, first_block=False):
    return ResNet.block(None, num_residuals, num_channels, first_block=first_block)


def resnet18():
    return ResNet18()
