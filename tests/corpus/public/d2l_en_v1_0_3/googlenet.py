# Provenance: d2l-ai/d2l-en, tag v1.0.3 (commit b2e2ae30898a9d0126a9699ae7e441de3e272715, 2023-08-18;
#   unchanged at master 23d7a5ae), chapter_convolutional-modern/googlenet.md, `%%tab pytorch`
#   cells: `class Inception`, `class GoogleNet(d2l.Classifier)` with its b1..b5 methods and its
#   `__init__`, all attached with `@d2l.add_to_class(GoogleNet)`.
#   https://github.com/d2l-ai/d2l-en/blob/v1.0.3/chapter_convolutional-modern/googlenet.md
# Licence: sample code under LICENSE-SAMPLECODE (modified MIT, no attribution required).
# Changes: only the PyTorch branches kept; minimal d2l stand-in inlined; kit adapter at the
#   bottom. The book's lazy `Inception(c1, c2, c3, c4)` has no in_channels. The adapter class
#   (same name `Inception`, running the book's __init__ and forward) takes the kit's
#   `Inception(in_channels, c1, c2, c3, c4)` (in_channels is ignored: inferred) and still accepts
#   the book's own four-argument calls inside b3..b5.
# Style exercised: lazy layers, branch attributes b1_1..b4_2 (not p1_1..p4_2), methods attached
#   to the class after its definition with @d2l.add_to_class (including `__init__`),
#   `super(GoogleNet, self).__init__()` from a module-level function, LazyLinear head,
#   Classifier wrapper with `self.net`.
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


class Inception(nn.Module):
    # c1--c4 are the number of output channels for each branch
    def __init__(self, c1, c2, c3, c4, **kwargs):
        super(Inception, self).__init__(**kwargs)
        # Branch 1
        self.b1_1 = nn.LazyConv2d(c1, kernel_size=1)
        # Branch 2
        self.b2_1 = nn.LazyConv2d(c2[0], kernel_size=1)
        self.b2_2 = nn.LazyConv2d(c2[1], kernel_size=3, padding=1)
        # Branch 3
        self.b3_1 = nn.LazyConv2d(c3[0], kernel_size=1)
        self.b3_2 = nn.LazyConv2d(c3[1], kernel_size=5, padding=2)
        # Branch 4
        self.b4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
        self.b4_2 = nn.LazyConv2d(c4, kernel_size=1)

    def forward(self, x):
        b1 = F.relu(self.b1_1(x))
        b2 = F.relu(self.b2_2(F.relu(self.b2_1(x))))
        b3 = F.relu(self.b3_2(F.relu(self.b3_1(x))))
        b4 = F.relu(self.b4_2(self.b4_1(x)))
        return torch.cat((b1, b2, b3, b4), dim=1)


class GoogleNet(d2l.Classifier):
    def b1(self):
        return nn.Sequential(
            nn.LazyConv2d(64, kernel_size=7, stride=2, padding=3),
            nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


@d2l.add_to_class(GoogleNet)
def b2(self):
    return nn.Sequential(
        nn.LazyConv2d(64, kernel_size=1), nn.ReLU(),
        nn.LazyConv2d(192, kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


@d2l.add_to_class(GoogleNet)
def b3(self):
    return nn.Sequential(Inception(64, (96, 128), (16, 32), 32),
                         Inception(128, (128, 192), (32, 96), 64),
                         nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


@d2l.add_to_class(GoogleNet)
def b4(self):
    return nn.Sequential(Inception(192, (96, 208), (16, 48), 64),
                         Inception(160, (112, 224), (24, 64), 64),
                         Inception(128, (128, 256), (24, 64), 64),
                         Inception(112, (144, 288), (32, 64), 64),
                         Inception(256, (160, 320), (32, 128), 128),
                         nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


@d2l.add_to_class(GoogleNet)
def b5(self):
    return nn.Sequential(Inception(256, (160, 320), (32, 128), 128),
                         Inception(384, (192, 384), (48, 128), 128),
                         nn.AdaptiveAvgPool2d((1,1)), nn.Flatten())


@d2l.add_to_class(GoogleNet)
def __init__(self, lr=0.1, num_classes=10):
    super(GoogleNet, self).__init__()
    self.save_hyperparameters()
    self.net = nn.Sequential(self.b1(), self.b2(), self.b3(), self.b4(),
                             self.b5(), nn.LazyLinear(num_classes))
    self.net.apply(d2l.init_cnn)


# ---- kit adapter ----
_BookInception = Inception


class Inception(nn.Module):
    # Runs the book's own __init__ and forward on this class. (A subclass would not do: the
    # book's `super(Inception, self).__init__(**kwargs)` looks the name up when it runs.)
    def __init__(self, in_channels, c1, c2, c3, c4=None, **kwargs):
        if c4 is None:                # the book's own call Inception(c1, c2, c3, c4)
            in_channels, c1, c2, c3, c4 = None, in_channels, c1, c2, c3
        _BookInception.__init__(self, c1, c2, c3, c4, **kwargs)

    forward = _BookInception.forward


def googlenet():
    return GoogleNet()
