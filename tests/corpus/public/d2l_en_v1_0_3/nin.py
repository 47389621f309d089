# Provenance: d2l-ai/d2l-en, tag v1.0.3 (commit b2e2ae30898a9d0126a9699ae7e441de3e272715, 2023-08-18;
#   unchanged at master 23d7a5ae), chapter_convolutional-modern/nin.md, `%%tab pytorch` cells
#   (`nin_block` and the PyTorch branch of `class NiN(d2l.Classifier)`).
#   https://github.com/d2l-ai/d2l-en/blob/v1.0.3/chapter_convolutional-modern/nin.md
# Licence: sample code under LICENSE-SAMPLECODE (modified MIT, no attribution required).
# Changes: only the PyTorch branch kept; minimal d2l stand-in inlined; kit adapter at the bottom.
#   The book's `nin_block(out_channels, kernel_size, strides, padding)` has no in_channels; the
#   adapter takes the kit's five arguments (ignoring in_channels) and still accepts the book's
#   own calls inside NiN.__init__ (one positional argument: the output channels).
# Style exercised: lazy convolutions, `nin_block(num_classes, ...)` for the last block,
#   Classifier wrapper with `self.net`.
import torch
from torch import nn


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


def nin_block(out_channels, kernel_size, strides, padding):
    return nn.Sequential(
        nn.LazyConv2d(out_channels, kernel_size, strides, padding), nn.ReLU(),
        nn.LazyConv2d(out_channels, kernel_size=1), nn.ReLU(),
        nn.LazyConv2d(out_channels, kernel_size=1), nn.ReLU())


class NiN(d2l.Classifier):
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nin_block(96, kernel_size=11, strides=4, padding=0),
            nn.MaxPool2d(3, stride=2),
            nin_block(256, kernel_size=5, strides=1, padding=2),
            nn.MaxPool2d(3, stride=2),
            nin_block(384, kernel_size=3, strides=1, padding=1),
            nn.MaxPool2d(3, stride=2),
            nn.Dropout(0.5),
            nin_block(num_classes, kernel_size=3, strides=1, padding=1),
            nn.AdaptiveAvgPool2d((1, 1)),
            nn.Flatten())
        self.net.apply(d2l.init_cnn)


# ---- kit adapter ----
_book_nin_block = nin_block


def nin_block(in_channels, out_channels=None, kernel_size=None, strides=None, padding=None):
    if out_channels is None:          # the book's own call nin_block(out_channels, kernel_size=...)
        out_channels = in_channels
    return _book_nin_block(out_channels, kernel_size, strides, padding)


def nin():
    return NiN()
