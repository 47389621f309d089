"""A hint that prescribes a change is given only when the change works everywhere that line of code built.

``computation/hints.py`` makes the change to the student's recorded
computation, to every operation built by the same line of their code, and
aligns again. The variants below are mistakes whose first departure invites
a wrong prescription: "set stride=1 on this layer" for a ResNet block built
as if ``first_block`` were False (the same line must give stride 2 to the next
blocks), "remove this Linear" for a GoogLeNet without global pooling (the book
has that Linear). Recorded in this process on the meta device.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.computation.diagnose import diagnose
from grader.spec import NETWORKS
from tests.corpus.variants import book_graph, graph_of_source, recorded_shape

ROOT = Path(__file__).resolve().parent.parent

# (module, the book's line, the student's line, hints that must not be given)
VARIANTS = {
    "first_block ignored": ("resnet", "        if i == 0 and not first_block:", "        if i == 0:",
                            ("set stride=1", "remove this Conv2d")),
    "strides ignored in the block": ("resnet", "kernel_size=3, padding=1, stride=strides)",
                                     "kernel_size=3, padding=1)", ("set stride=2",)),
    "no global pooling before the classifier": ("googlenet", "        nn.AdaptiveAvgPool2d((1, 1)),\n", "",
                                                ("remove this Linear",)),
    "vgg blocks without their pooling": ("vgg", "    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))\n", "",
                                         ("remove",)),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_no_hint_that_would_break_another_place(variant):
    module, book_line, student_line, forbidden = VARIANTS[variant]
    source = (ROOT / "solutions" / f"{module}.py").read_text()
    assert book_line in source, book_line
    diagnosis = diagnose(book_graph(module), graph_of_source(source.replace(book_line, student_line), module),
                         recorded_shape(module), NETWORKS[module].call)
    assert diagnosis.causes, variant
    hints = [cause.hint for cause in diagnosis.causes[:2]]
    assert not any(word in hint for hint in hints for word in forbidden), (variant, hints)
