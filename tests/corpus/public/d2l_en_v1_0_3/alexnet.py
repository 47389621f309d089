# Provenance: d2l-ai/d2l-en, tag v1.0.3 (commit b2e2ae30898a9d0126a9699ae7e441de3e272715, 2023-08-18;
#   unchanged at master 23d7a5ae), chapter_convolutional-modern/alexnet.md, the `%%tab pytorch`
#   branch of `class AlexNet(d2l.Classifier)`.
#   https://github.com/d2l-ai/d2l-en/blob/v1.0.3/chapter_convolutional-modern/alexnet.md
# Licence: sample code under LICENSE-SAMPLECODE (modified MIT, no attribution required).
# Changes: only the PyTorch branch kept; minimal d2l stand-in inlined; kit adapter `alexnet()`.
# Style exercised: lazy layers, Classifier wrapper with `self.net`, `self.net.apply(d2l.init_cnn)`
#   in the constructor (a no-op on still-lazy layers), `nn.ReLU(),nn.Dropout(p=0.5)` spacing.
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


class AlexNet(d2l.Classifier):
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.LazyConv2d(96, kernel_size=11, stride=4, padding=1),
            nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
            nn.LazyConv2d(256, kernel_size=5, padding=2), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.LazyConv2d(384, kernel_size=3, padding=1), nn.ReLU(),
            nn.LazyConv2d(384, kernel_size=3, padding=1), nn.ReLU(),
            nn.LazyConv2d(256, kernel_size=3, padding=1), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2), nn.Flatten(),
            nn.LazyLinear(4096), nn.ReLU(), nn.Dropout(p=0.5),
            nn.LazyLinear(4096), nn.ReLU(),nn.Dropout(p=0.5),
            nn.LazyLinear(num_classes))
        self.net.apply(d2l.init_cnn)


# ---- kit adapter ----
def alexnet():
    return AlexNet()
