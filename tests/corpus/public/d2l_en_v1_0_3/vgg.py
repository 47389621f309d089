# Provenance: d2l-ai/d2l-en, tag v1.0.3 (commit b2e2ae30898a9d0126a9699ae7e441de3e272715, 2023-08-18;
#   unchanged at master 23d7a5ae), chapter_convolutional-modern/vgg.md, `%%tab pytorch` cells
#   (`vgg_block` and the PyTorch branch of `class VGG(d2l.Classifier)`).
#   https://github.com/d2l-ai/d2l-en/blob/v1.0.3/chapter_convolutional-modern/vgg.md
# Licence: sample code under LICENSE-SAMPLECODE (modified MIT, no attribution required).
# Changes: only the PyTorch branch kept; minimal d2l stand-in inlined; kit adapter at the bottom.
#   The book's `vgg_block(num_convs, out_channels)` takes no input channels (lazy layers); the kit
#   calls `vgg_block(num_convs, in_channels, out_channels)`. The adapter takes the kit's
#   arguments (ignoring in_channels) and still accepts the book's own two-argument call made
#   inside VGG.__init__ (then the second argument is the output channels).
# Style exercised: lazy convolutions whose input channels are inferred, the head's input size
#   inferred by nn.LazyLinear (no `out_channels * 7 * 7`), Classifier wrapper with `self.net`.
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


def vgg_block(num_convs, out_channels):
    layers = []
    for _ in range(num_convs):
        layers.append(nn.LazyConv2d(out_channels, kernel_size=3, padding=1))
        layers.append(nn.ReLU())
    layers.append(nn.MaxPool2d(kernel_size=2,stride=2))
    return nn.Sequential(*layers)


class VGG(d2l.Classifier):
    def __init__(self, arch, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        conv_blks = []
        for (num_convs, out_channels) in arch:
            conv_blks.append(vgg_block(num_convs, out_channels))
        self.net = nn.Sequential(
            *conv_blks, nn.Flatten(),
            nn.LazyLinear(4096), nn.ReLU(), nn.Dropout(0.5),
            nn.LazyLinear(4096), nn.ReLU(), nn.Dropout(0.5),
            nn.LazyLinear(num_classes))
        self.net.apply(d2l.init_cnn)


# ---- kit adapter ----
_book_vgg_block = vgg_block


def vgg_block(num_convs, in_channels, out_channels=None):
    if out_channels is None:          # the book's own call vgg_block(num_convs, out_channels)
        out_channels = in_channels
    return _book_vgg_block(num_convs, out_channels)


conv_arch = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


def vgg(conv_arch):
    return VGG(arch=conv_arch)
