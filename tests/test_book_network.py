"""Behaviour, residual-identity and training points are the book's network's own (issue 25, item 1).

A network written as ``Flatten, [Dropout], Linear(?, 10)``, with block
builders returning a ReLU and a three-line ``Residual`` that adds its input,
does many of the things the behaviour checks measure (every parameter gets a
gradient, eval mode is deterministic, dropout is active, a ReLU is never
negative, a silenced branch leaves relu(X)); a linear model meets the small
networks' training targets on Fashion-MNIST. Those points are earned only by
a network whose structure checks pass, or differ from the book's only by
diagnosed local mistakes (``policy.require_book_network``): such a
submission scores at most 10 %, in every mode, with the cause named once.
"""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from grader.checking.outcome import GraderBroken
from grader.grade import grade_submission, training_data_dir
from grader.spec import MODULES

ROOT = Path(__file__).resolve().parent.parent

HEAD = """\
import torch
from torch import nn
from torch.nn import functional as F


def head(dropout=False):
    return nn.Sequential(nn.Flatten(), *([nn.Dropout(0.5)] if dropout else []), nn.LazyLinear(10))
"""

# every module of the seven written as the linear model; block builders return a ReLU
TRIVIAL = {
    "lenet": "def lenet():\n    return head()\n",
    "batch_norm": "def lenet_bn():\n    return head()\n",
    "alexnet": "def alexnet():\n    return head(True)\n",
    "vgg": """\
conv_arch = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


def vgg_block(num_convs, in_channels, out_channels):
    return nn.ReLU()


def vgg(conv_arch):
    return head(True)
""",
    "nin": """\
def nin_block(in_channels, out_channels, kernel_size, strides, padding):
    return nn.ReLU()


def nin():
    return head(True)
""",
    "googlenet": """\
def Inception(in_channels, c1, c2, c3, c4, **kwargs):
    return nn.ReLU()


def googlenet():
    return head()
""",
    "resnet": """\
class Residual(nn.Module):     # three lines that add the input: passes the residual identity on its own
    def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.bn1, self.bn2 = nn.BatchNorm2d(num_channels), nn.BatchNorm2d(num_channels)
        self.conv3 = nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides) if use_1x1conv else None

    def forward(self, X):
        Y = self.conv3(X) if self.conv3 is not None else X
        return F.relu(self.bn2(self.bn1(Y)) + Y)


def resnet_block(input_channels, num_channels, num_residuals, first_block=False):
    return nn.ReLU()


def resnet18():
    return head()
""",
}
assert set(TRIVIAL) == set(MODULES)


def lay_out(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for module, body in TRIVIAL.items():
        (folder / f"{module}.py").write_text(HEAD + "\n\n" + textwrap.dedent(body))
    return folder


def assert_named_once(report) -> None:
    """Each network's behaviour checks fail with the cause named in the first of them, and the others
    point there (one cause, reported once)."""
    for module in MODULES:
        gated = [r for r in report.results if r.module == module and r.kind in ("behaviour", "training")
                 and r.status != "skipped"]
        assert gated and all(r.status == "failed" and r.score == 0 for r in gated), \
            [(r.name, r.status, r.score) for r in gated]
        named = [r for r in gated if r.output.show("en").startswith("your network is not the book's: ")]
        if not named and not any("the book's network" in r.output for r in gated):
            continue        # every one failed on its own (a busy machine: out of time), before the rule
        assert len(named) == 1, [r.output for r in gated]
        assert "need the book's network" in named[0].output
        assert re.search(r"(the book has|expected|computes)", named[0].output.show("en")), named[0].output
        assert all(r.same_as == named[0].name and "as reported in" in r.output for r in gated if r is not named[0])


def test_a_linear_model_earns_at_most_a_tenth_without_training(tmp_path):
    report = grade_submission(lay_out(tmp_path / "trivial"), MODULES, train=False)
    assert report.max_score == 82
    assert report.score <= 8.2, report.text("en")
    assert_named_once(report)


def test_a_linear_model_earns_at_most_a_tenth_with_training(tmp_path):
    """With training on the CPU (LeNet, LeNet+BN and ResNet-18 train there): softmax regression meets
    their targets, and earns nothing for it; the training run is not even started."""
    try:
        training_data_dir()
    except GraderBroken as error:
        pytest.skip(f"no Fashion-MNIST for the training checks: {str(error)[:200]}")
    report = grade_submission(lay_out(tmp_path / "trivial"), MODULES, train=True, device="cpu")
    assert report.score <= 0.1 * report.max_score, report.text("en")
    trained = [r for r in report.results if r.kind == "training" and r.status != "skipped"]
    assert trained and all(r.score == 0 and "need the book's network" in r.output for r in trained)
    assert_named_once(report)


def test_a_local_mistake_keeps_the_behaviour_points(tmp_path):
    """The book's LeNet without the first padding differs by one diagnosed local mistake: its behaviour
    checks keep their points (they fail with the same mistake, charged once in the shapes check;
    docs/instructors/points.md: 6.75 / 9 without training)."""
    folder = tmp_path / "padding"
    folder.mkdir()
    source = (ROOT / "solutions" / "lenet.py").read_text()
    mutated = source.replace("nn.Conv2d(1, 6, kernel_size=5, padding=2)", "nn.Conv2d(1, 6, kernel_size=5)")
    assert mutated != source
    (folder / "lenet.py").write_text(mutated)
    report = grade_submission(folder, ("lenet",), train=False)
    behaviour = [r for r in report.results if r.kind == "behaviour"]
    assert behaviour and all(r.score == r.max_score and "the book's network" not in r.output
                             for r in behaviour), report.text("en")
    assert report.score == 6.75, report.text("en")


CUT = '''import torch


class Cut(torch.autograd.Function):       # the recorded forward pass shows a copy, nothing more
    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        BACKWARD


class CutLayer(nn.Module):
    def forward(self, x):
        return Cut.apply(x)
'''


@pytest.mark.parametrize("backward", ['raise RuntimeError("no backward here")', "return grad * 0"],
                         ids=["raises", "zero"])
def test_a_gradient_cut_the_graph_does_not_show_earns_no_gradient_or_training_points(backward, tmp_path):
    """A LeNet whose own backward raises (or cuts the gradient) in a custom autograd Function: the replay
    of its recorded graph trains fine, but the student's own backward, run in their process, does not."""
    try:
        training_data_dir()
        train = True
    except GraderBroken:
        train = False
    source = (ROOT / "solutions" / "lenet.py").read_text()
    mutated = source.replace("from torch import nn\n", "from torch import nn\n" + CUT.replace("BACKWARD", backward)) \
        .replace("nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),",
                 "nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), CutLayer(),")
    assert mutated.count("CutLayer()") == 1
    folder = tmp_path / "cut"
    folder.mkdir()
    (folder / "lenet.py").write_text(mutated)
    report = grade_submission(folder, ("lenet",), train=train, device="cpu")
    lost = {r.name for r in report.results if r.score < r.max_score}
    assert "gradients reach every parameter" in lost, report.text("en")
    if train:
        assert "short training run reaches the target accuracy" in lost, report.text("en")
    assert report.score <= 8, report.text("en")
