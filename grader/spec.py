"""The book's expectations for every network, as data.

One fact, one place: the per-layer output tables (transcribed once from the
book's printed output in ``shared/seed``), the input sizes, the parameter
counts and the small block examples. The visible tests, the hidden grader,
the stub generator and the notebooks all read this module; nothing else
repeats these numbers.

A network's ``call`` and a block example's ``call`` are Python call
expressions evaluated in the student's module, e.g. ``"vgg(conv_arch)"``.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LayerRow:
    """One line of the book's table: ``Conv2d output shape: torch.Size([1, 6, 28, 28])``."""

    name: str
    shape: tuple[int, ...]

    def __str__(self) -> str:
        return f"{self.name} {list(self.shape)}"


def parse_table(text: str) -> tuple[LayerRow, ...]:
    """Parse rows of ``ClassName d0 d1 ...`` into ``LayerRow`` objects."""
    rows = []
    for line in text.strip().splitlines():
        name, *dims = line.split()
        rows.append(LayerRow(name, tuple(int(d) for d in dims)))
    return tuple(rows)


@dataclass(frozen=True)
class BlockExample:
    """A block builder called on a small input: the output shape and parameter count it must give."""

    call: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    params: int


@dataclass(frozen=True)
class NetworkSpec:
    module: str            # file name without .py, in exercises/ and solutions/
    title: str             # what the book calls the network
    section: str           # section of d2l's "modern CNNs" chapter
    call: str              # how the book builds it
    input_shape: tuple[int, ...]
    params: int
    table: tuple[LayerRow, ...]
    examples: tuple[BlockExample, ...] = field(default=())
    student_names: tuple[str, ...] = field(default=())   # public names students implement
    # classes of the student's module recorded as one operation each when the network's computation is
    # compared (their own arithmetic has checks of its own): the BatchNorm written from scratch
    opaque: tuple[str, ...] = field(default=())

    @property
    def builder(self) -> str:
        return self.call.split("(", 1)[0]


NETWORKS: dict[str, NetworkSpec] = {spec.module: spec for spec in (
    NetworkSpec(
        module="lenet", title="LeNet", section="6.6", call="lenet()",
        input_shape=(1, 1, 28, 28), params=61_706,
        student_names=("lenet",),
        table=parse_table("""
            Conv2d 1 6 28 28
            Sigmoid 1 6 28 28
            AvgPool2d 1 6 14 14
            Conv2d 1 16 10 10
            Sigmoid 1 16 10 10
            AvgPool2d 1 16 5 5
            Flatten 1 400
            Linear 1 120
            Sigmoid 1 120
            Linear 1 84
            Sigmoid 1 84
            Linear 1 10
        """)),
    NetworkSpec(
        module="batch_norm", title="LeNet with BatchNorm", section="7.5", call="lenet_bn()",
        input_shape=(2, 1, 28, 28), params=44_878,
        student_names=("lenet_bn",),
        table=parse_table("""
            Conv2d 2 6 24 24
            BatchNorm2d 2 6 24 24
            Sigmoid 2 6 24 24
            AvgPool2d 2 6 12 12
            Conv2d 2 16 8 8
            BatchNorm2d 2 16 8 8
            Sigmoid 2 16 8 8
            AvgPool2d 2 16 4 4
            Flatten 2 256
            Linear 2 120
            BatchNorm1d 2 120
            Sigmoid 2 120
            Linear 2 84
            BatchNorm1d 2 84
            Sigmoid 2 84
            Linear 2 10
        """)),
    NetworkSpec(
        module="alexnet", title="AlexNet", section="7.1", call="alexnet()",
        input_shape=(1, 1, 224, 224), params=46_764_746,
        student_names=("alexnet",),
        table=parse_table("""
            Conv2d 1 96 54 54
            ReLU 1 96 54 54
            MaxPool2d 1 96 26 26
            Conv2d 1 256 26 26
            ReLU 1 256 26 26
            MaxPool2d 1 256 12 12
            Conv2d 1 384 12 12
            ReLU 1 384 12 12
            Conv2d 1 384 12 12
            ReLU 1 384 12 12
            Conv2d 1 256 12 12
            ReLU 1 256 12 12
            MaxPool2d 1 256 5 5
            Flatten 1 6400
            Linear 1 4096
            ReLU 1 4096
            Dropout 1 4096
            Linear 1 4096
            ReLU 1 4096
            Dropout 1 4096
            Linear 1 10
        """)),
    NetworkSpec(
        module="vgg", title="VGG-11", section="7.2", call="vgg(conv_arch)",
        input_shape=(1, 1, 224, 224), params=128_806_154,
        student_names=("vgg_block", "vgg"),
        table=parse_table("""
            Sequential 1 64 112 112
            Sequential 1 128 56 56
            Sequential 1 256 28 28
            Sequential 1 512 14 14
            Sequential 1 512 7 7
            Flatten 1 25088
            Linear 1 4096
            ReLU 1 4096
            Dropout 1 4096
            Linear 1 4096
            ReLU 1 4096
            Dropout 1 4096
            Linear 1 10
        """),
        examples=(
            BlockExample("vgg_block(1, 3, 8)", (2, 3, 16, 16), (2, 8, 8, 8), 224),
            BlockExample("vgg_block(2, 3, 8)", (2, 3, 16, 16), (2, 8, 8, 8), 808),
            BlockExample("vgg(((1, 8), (2, 16)))", (2, 1, 28, 28), (2, 10), 20_041_210),
        )),
    NetworkSpec(
        module="nin", title="NiN", section="7.3", call="nin()",
        input_shape=(1, 1, 224, 224), params=1_992_166,
        student_names=("nin_block", "nin"),
        table=parse_table("""
            Sequential 1 96 54 54
            MaxPool2d 1 96 26 26
            Sequential 1 256 26 26
            MaxPool2d 1 256 12 12
            Sequential 1 384 12 12
            MaxPool2d 1 384 5 5
            Dropout 1 384 5 5
            Sequential 1 10 5 5
            AdaptiveAvgPool2d 1 10 1 1
            Flatten 1 10
        """),
        examples=(
            BlockExample("nin_block(3, 8, kernel_size=5, strides=2, padding=1)",
                         (2, 3, 16, 16), (2, 8, 7, 7), 752),
        )),
    NetworkSpec(
        module="googlenet", title="GoogLeNet", section="7.4", call="googlenet()",
        input_shape=(1, 1, 96, 96), params=5_977_530,
        student_names=("Inception", "googlenet"),
        table=parse_table("""
            Sequential 1 64 24 24
            Sequential 1 192 12 12
            Sequential 1 480 6 6
            Sequential 1 832 3 3
            Sequential 1 1024
            Linear 1 10
        """),
        examples=(
            BlockExample("Inception(192, 64, (96, 128), (16, 32), 32)",
                         (1, 192, 12, 12), (1, 256, 12, 12), 163_696),
        )),
    NetworkSpec(
        module="resnet", title="ResNet-18", section="7.6", call="resnet18()",
        input_shape=(1, 1, 224, 224), params=11_178_378,
        student_names=("Residual", "resnet_block", "resnet18"),
        table=parse_table("""
            Sequential 1 64 56 56
            Sequential 1 64 56 56
            Sequential 1 128 28 28
            Sequential 1 256 14 14
            Sequential 1 512 7 7
            AdaptiveAvgPool2d 1 512 1 1
            Flatten 1 512
            Linear 1 10
        """),
        examples=(
            BlockExample("Residual(3, 3)", (4, 3, 6, 6), (4, 3, 6, 6), 180),
            BlockExample("Residual(3, 6, use_1x1conv=True, strides=2)",
                         (4, 3, 6, 6), (4, 6, 3, 3), 546),
            BlockExample("resnet_block(64, 128, 2)", (1, 64, 56, 56), (1, 128, 28, 28), 525_952),
        )),
)}

# The chapter's two other graded parts. The book prints no per-layer table for either: the tables
# below are what the book's own printing loop prints for the book's own code (solutions/, the book's
# listings), and ``tests/test_kit.py`` checks that they still are. The block examples are the book's
# (the Chinese edition prints torch.Size([4, 23, 8, 8]) and torch.Size([4, 10, 4, 4])).
EXTRA: tuple[NetworkSpec, ...] = (
    NetworkSpec(
        module="batch_norm_scratch", title="LeNet with BatchNorm from scratch", section="7.5",
        call="lenet_bn_scratch()", input_shape=(2, 1, 28, 28), params=44_878,
        student_names=("batch_norm", "BatchNorm", "lenet_bn_scratch"), opaque=("BatchNorm",),
        # the concise version's printed table (above), with the book's own BatchNorm class
        table=parse_table("""
            Conv2d 2 6 24 24
            BatchNorm 2 6 24 24
            Sigmoid 2 6 24 24
            AvgPool2d 2 6 12 12
            Conv2d 2 16 8 8
            BatchNorm 2 16 8 8
            Sigmoid 2 16 8 8
            AvgPool2d 2 16 4 4
            Flatten 2 256
            Linear 2 120
            BatchNorm 2 120
            Sigmoid 2 120
            Linear 2 84
            BatchNorm 2 84
            Sigmoid 2 84
            Linear 2 10
        """),
        examples=(
            BlockExample("BatchNorm(6, num_dims=4)", (2, 6, 24, 24), (2, 6, 24, 24), 12),
            BlockExample("BatchNorm(120, num_dims=2)", (2, 120), (2, 120), 240),
        )),
    NetworkSpec(
        module="densenet", title="DenseNet", section="7.7", call="densenet()",
        input_shape=(1, 1, 96, 96), params=758_226,
        student_names=("conv_block", "DenseBlock", "transition_block", "densenet"),
        table=parse_table("""
            Sequential 1 64 24 24
            DenseBlock 1 192 24 24
            Sequential 1 96 12 12
            DenseBlock 1 224 12 12
            Sequential 1 112 6 6
            DenseBlock 1 240 6 6
            Sequential 1 120 3 3
            DenseBlock 1 248 3 3
            BatchNorm2d 1 248 3 3
            ReLU 1 248 3 3
            AdaptiveAvgPool2d 1 248 1 1
            Flatten 1 248
            Linear 1 10
        """),
        examples=(
            BlockExample("DenseBlock(2, 3, 10)", (4, 3, 8, 8), (4, 23, 8, 8), 1_492),
            BlockExample("transition_block(23, 10)", (4, 23, 8, 8), (4, 10, 4, 4), 286),
        )),
)
NETWORKS.update({spec.module: spec for spec in EXTRA})

# The seven networks of the kit's first edition: graded by default (100 points), as before.
MODULES: tuple[str, ...] = ("lenet", "batch_norm", "alexnet", "vgg", "nin", "googlenet", "resnet")
# The two parts added after them: graded when named (``--only batch_norm_scratch,densenet`` or
# ``--only all``), with points of their own on top of the seven's 100.
EXTRA_MODULES: tuple[str, ...] = tuple(spec.module for spec in EXTRA)
ALL_MODULES: tuple[str, ...] = MODULES + EXTRA_MODULES

# The book's builders and their parameters, in order, with the book's defaults (a hard-coded
# argument is named by these).
PARAMETERS: dict[str, tuple[str, ...]] = {
    "vgg_block": ("num_convs", "in_channels", "out_channels"),
    "vgg": ("conv_arch",),
    "nin_block": ("in_channels", "out_channels", "kernel_size", "strides", "padding"),
    "Inception": ("in_channels", "c1", "c2", "c3", "c4"),
    "Residual": ("input_channels", "num_channels", "use_1x1conv=False", "strides=1"),
    "resnet_block": ("input_channels", "num_channels", "num_residuals", "first_block=False"),
    "conv_block": ("input_channels", "num_channels"),
    "DenseBlock": ("num_convs", "input_channels", "num_channels"),
    "transition_block": ("input_channels", "num_channels"),
}
# Builders the book writes to return a list of blocks (every other one returns a module).
RETURNS_LIST = {"resnet_block"}
