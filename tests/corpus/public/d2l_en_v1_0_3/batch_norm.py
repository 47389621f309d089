# Provenance: d2l-ai/d2l-en, tag v1.0.3 (commit b2e2ae30898a9d0126a9699ae7e441de3e272715, 2023-08-18;
#   unchanged at master 23d7a5ae), chapter_convolutional-modern/batch-norm.md, the PyTorch branch
#   of `class BNLeNet(d2l.Classifier)` ("Concise Implementation").
#   https://github.com/d2l-ai/d2l-en/blob/v1.0.3/chapter_convolutional-modern/batch-norm.md
# Licence: sample code under LICENSE-SAMPLECODE (modified MIT, no attribution required).
# Changes: only the PyTorch branch kept; minimal d2l stand-in inlined; kit adapter `lenet_bn()`.
#   (The chapter's from-scratch BNLeNetScratch is not the book's function: see ../DIFFERENT/.)
# Style exercised: nn.LazyBatchNorm2d / nn.LazyBatchNorm1d (running statistics are uninitialised
#   buffers until the first forward pass), lazy conv/linear layers, Classifier wrapper.
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


class BNLeNet(d2l.Classifier):
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.LazyConv2d(6, kernel_size=5), nn.LazyBatchNorm2d(),
            nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.LazyConv2d(16, kernel_size=5), nn.LazyBatchNorm2d(),
            nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(), nn.LazyLinear(120), nn.LazyBatchNorm1d(),
            nn.Sigmoid(), nn.LazyLinear(84), nn.LazyBatchNorm1d(),
            nn.Sigmoid(), nn.LazyLinear(num_classes))


# ---- kit adapter ----
def lenet_bn():
    return BNLeNet()
