"""A forward pass that raises is diagnosed where it departed from the book, not where it broke (issue 26).

The generator: every network of the book with one layer of one ``nn.Sequential``
taken out, wherever that makes the forward pass raise (67 variants: a Linear
fed an unflattened or unpooled image, a BatchNorm fed the wrong channels, ...).
The first cause must name the layer taken out, and no hint may tell the
student to remove anything. Recorded in this process on the meta device, as
the grader's children record (no sandbox: the code is the kit's own).
"""
from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import pytest
import torch
from torch import nn

from grader.computation.diagnose import diagnose
from grader.computation.record import record
from grader.spec import MODULES, NETWORKS

ROOT = Path(__file__).resolve().parent.parent
NAMES = {nn.Flatten: "Flatten", nn.AdaptiveAvgPool2d: "global average pooling", nn.AvgPool2d: "AvgPool2d",
         nn.MaxPool2d: "MaxPool2d", nn.Conv2d: "Conv2d", nn.Linear: "Linear", nn.BatchNorm2d: "BatchNorm",
         nn.BatchNorm1d: "BatchNorm", nn.ReLU: "ReLU", nn.Sigmoid: "Sigmoid", nn.Dropout: "Dropout"}


@functools.cache
def solution(module: str):
    spec = importlib.util.spec_from_file_location(f"book_{module}", ROOT / "solutions" / f"{module}.py")
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def build(module: str) -> nn.Module:
    with torch.device("meta"):
        net = eval(NETWORKS[module].call, vars(solution(module)))
    return net.train()


@functools.cache
def book_graph(module: str) -> dict:
    return graph(build(module), module)


def graph(net: nn.Module, module: str) -> dict:
    return record(net, torch.empty([2, *NETWORKS[module].input_shape[1:]], device="meta"))


def without_one_layer(module: str):
    """(where, the class taken out, the graph of the network without it) for each removal that raises."""
    book = build(module)
    for name, block in book.named_modules():
        if not isinstance(block, nn.Sequential):
            continue
        for k, layer in enumerate(block):
            if type(layer) not in NAMES:
                continue
            net = build(module)
            holder = net.get_submodule(name) if name else net
            del holder._modules[list(holder._modules)[k]]
            found = graph(net, module)
            if found["error"] is not None:
                yield f"{name or 'net'}[{k}]", type(layer), found


CASES = [(module, where, cls, found) for module in (*MODULES, "densenet")
         for where, cls, found in without_one_layer(module)]


def test_the_generator_makes_the_variants():
    assert len(CASES) >= 60 and {module for module, *_ in CASES} >= set(MODULES)


@pytest.mark.parametrize("module, where, cls, found", CASES, ids=[f"{m}-{w}" for m, w, _, _ in CASES])
def test_a_layer_left_out_is_named_where_the_pass_departs(module, where, cls, found):
    shape = [2, *NETWORKS[module].input_shape[1:]]
    first = diagnose(book_graph(module), found, shape, NETWORKS[module].call).first
    assert first is not None
    text = f"{first.english} {first.hint}"
    assert NAMES[cls].lower() in text.lower(), text
    assert "raised" not in first.english and "remove" not in first.hint, text


def test_a_block_built_for_the_channels_it_had_before_says_so():
    """DenseNet with ``num_channels`` not grown after a dense block: the transition's BatchNorm raises
    inside torch; the cause is the channel count its builder was given."""
    source = (ROOT / "solutions" / "densenet.py").read_text()
    mutated = source.replace("        num_channels += num_convs * growth_rate\n", "")
    assert mutated != source
    namespace: dict = {}
    exec(compile(mutated, "densenet.py", "exec"), namespace)
    with torch.device("meta"):
        net = eval(NETWORKS["densenet"].call, namespace).train()
    shape = [2, *NETWORKS["densenet"].input_shape[1:]]
    first = diagnose(book_graph("densenet"), graph(net, "densenet"), shape).first
    assert first.key == ("channels", "not carried") and "is built for 64 input channels but receives 192" in first.english


def test_the_demos_student_gets_both_mistakes_named_and_charged_once_each():
    """``make demo`` grades ``examples/student``: a MaxPool2d for the book's AvgPool2d, and no Flatten before
    the first Linear (where the pass raises). Two mistakes: two shares of the network's design points."""
    from grader.checking.points import CAUSE_SHARE, design_points
    from grader.grade import grade_submission
    report = grade_submission(ROOT / "examples" / "student", ("lenet",), train=False)
    text = report.text("en")
    assert "yours uses MaxPool2d" in text and "add nn.Flatten() before this layer" in text, text
    assert "raised RuntimeError" not in text.split("Your forward pass raised")[-1].split("\n", 1)[-1], text
    assert report.score == report.max_score - 2 * CAUSE_SHARE * design_points("lenet"), text
