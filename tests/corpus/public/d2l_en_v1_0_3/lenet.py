# Provenance: d2l-ai/d2l-en, tag v1.0.3 (commit b2e2ae30898a9d0126a9699ae7e441de3e272715, 2023-08-18;
#   unchanged at master 23d7a5ae, 2024-03), chapter_convolutional-neural-networks/lenet.md,
#   the `%%tab pytorch` branch of `class LeNet(d2l.Classifier)`.
#   https://github.com/d2l-ai/d2l-en/blob/v1.0.3/chapter_convolutional-neural-networks/lenet.md
# Licence: sample code under LICENSE-SAMPLECODE (modified MIT, no attribution required).
# Changes: the `if tab.selected('pytorch'):` branch kept, the other frameworks' branches dropped;
#   a minimal d2l stand-in is inlined; kit adapter `lenet()` at the bottom.
# Style exercised: the new edition's lazy layers (nn.LazyConv2d / nn.LazyLinear: no input sizes,
#   parameters exist only after a first forward pass) and a d2l.Classifier subclass that keeps
#   the nn.Sequential in `self.net` and forwards to it (the returned model is not an nn.Sequential).
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


class LeNet(d2l.Classifier):  #@save
    """The LeNet-5 model."""
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.LazyConv2d(6, kernel_size=5, padding=2), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.LazyConv2d(16, kernel_size=5), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.LazyLinear(120), nn.Sigmoid(),
            nn.LazyLinear(84), nn.Sigmoid(),
            nn.LazyLinear(num_classes))


# ---- kit adapter ----
def lenet():
    return LeNet()
