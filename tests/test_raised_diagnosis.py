"""A forward pass that raises is diagnosed where it departed from the book, not where it broke (issue 26).

The variants: every network of the book with one layer deleted (the generator's
``delete`` operator, ``tests/corpus/variants.py``), wherever that makes the
forward pass raise (a Linear fed an unflattened or unpooled image, a BatchNorm
fed the wrong channels, ...). The first cause must name the layer taken out,
and no hint may tell the student to remove anything. Recorded in this process
on the meta device, as the grader's children record (no sandbox: the code is
the kit's own).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from torch import nn

from grader.computation.diagnose import diagnose
from grader.spec import MODULES, NETWORKS
from tests.corpus.variants import all_variants, book, book_graph, graph_of, graph_of_source, recorded_shape

ROOT = Path(__file__).resolve().parent.parent
NAMES = {nn.Flatten: "Flatten", nn.AdaptiveAvgPool2d: "global average pooling", nn.AvgPool2d: "AvgPool2d",
         nn.MaxPool2d: "MaxPool2d", nn.Conv2d: "Conv2d", nn.Linear: "Linear", nn.BatchNorm2d: "BatchNorm",
         nn.BatchNorm1d: "BatchNorm", nn.ReLU: "ReLU", nn.Sigmoid: "Sigmoid", nn.Dropout: "Dropout"}


def deletions_that_raise():
    """(variant, the class deleted, the variant's graph) for each deletion after which the pass raises."""
    for variant in all_variants():
        if variant.operator != "delete":
            continue
        deleted = type(book(variant.module).get_submodule(variant.path))
        found = graph_of(variant.build(), variant.module)
        if found["error"] is not None and deleted in NAMES:
            yield variant, deleted, found


CASES = list(deletions_that_raise())


def test_the_generator_makes_the_variants():
    assert len(CASES) >= 60 and {variant.module for variant, *_ in CASES} >= set(MODULES)


@pytest.mark.parametrize("variant, deleted, found", CASES, ids=[v.id for v, _, _ in CASES])
def test_a_layer_left_out_is_named_where_the_pass_departs(variant, deleted, found):
    first = diagnose(book_graph(variant.module), found, recorded_shape(variant.module),
                     NETWORKS[variant.module].call).first
    assert first is not None
    text = f"{first.english} {first.hint}"
    assert NAMES[deleted].lower() in text.lower(), text
    assert "raised" not in first.english and "remove" not in first.hint, text


def test_a_block_built_for_the_channels_it_had_before_says_so():
    """DenseNet with ``num_channels`` not grown after a dense block: the transition's BatchNorm raises
    inside torch; the cause is the channel count its builder was given."""
    source = (ROOT / "solutions" / "densenet.py").read_text()
    mutated = source.replace("        num_channels += num_convs * growth_rate\n", "")
    assert mutated != source
    first = diagnose(book_graph("densenet"), graph_of_source(mutated, "densenet"), recorded_shape("densenet")).first
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
