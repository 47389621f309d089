"""What the hidden tests compare: the student's observations with the book's and the reference's.

Every function raises ``CheckFailure`` with a message for the student, and,
when the grader can tell which mistake it is, its cause.
"""
from __future__ import annotations

import math
from collections import Counter

from hypothesis import HealthCheck, Phase, Verbosity, settings

from ..computation.canonical import canonical, first_mismatch, size_limit, too_large
from ..computation.diagnose import Diagnosis, diagnose, layer_text, where_text
from .arguments import argument_reading
from ..text import Text
from ..report import CheckFailure, bilingual, shape_text, table_failure, wrong_output_shape, wrong_parameter_count
from ..shapes import first_missing_row, marked_row
from ..spec import NetworkSpec
from ..sandbox import SandboxError, StudentError
from .outcome import GraderBroken

# Ten examples per builder, after its edge cases (``strategies.EDGE_CASES``): every mutant of the corpus
# loses points with ten as with twenty (tests/test_grader.py, test_diagnosis.py), at half the cost.
PROPERTY_SETTINGS = settings(max_examples=10, derandomize=True, deadline=None,
                             database=None, verbosity=Verbosity.quiet, print_blob=False,
                             report_multiple_bugs=False,
                             phases=(Phase.explicit, Phase.generate, Phase.shrink),
                             suppress_health_check=list(HealthCheck))


def structure_input(spec: NetworkSpec) -> tuple[int, ...]:
    """The book's image size, two images: a batch statistic needs more than one."""
    return (2, *spec.input_shape[1:])


def book_shapes(spec: NetworkSpec, student) -> Text:
    """Fails unless the network computes the book's shapes; returns a note when it groups them differently."""
    table = student.table(spec.call, spec.input_shape)      # their own process's: for the message only
    produced = student.produced_shapes(spec.call, spec.input_shape)
    row = first_missing_row(spec.table, produced)
    if row is not None:
        raise CheckFailure(table_failure(spec, table, marked_row(spec.table, table, row), produced["error"] or "",
                                         produced.get("raised_in")))
    if table is not None and [r.shape for r in table] == [r.shape for r in spec.table]:
        return ""          # the book's grouping and shapes; a layer of another kind is the structure check's
    return bilingual("Your network computes every shape of the book's table, grouped differently; "
                     "the book prints its top-level layers like this:",
                     "你的网络算出了书中表格的每个形状，只是分组方式不同；书中逐层打印的顶层各层如下：") \
        + Text.plain("\n".join(f"      {i + 1:>2}  {row}" for i, row in enumerate(spec.table)))


def compare_computation(call: str, shape, mode: str, student, reference) -> bool:
    """Every operation of ``call``'s forward pass, against the reference's, in ``mode``: raises
    ``CheckFailure`` unless it computes the book's function; True when it does so operation by operation."""
    expected = reference.graph(call, shape, mode)
    if expected["error"] is not None:
        raise GraderBroken(f"the reference failed while running {call}: {expected['error']}")
    found = student.graph(call, shape, mode)
    if too_large(expected, found):
        raise CheckFailure(too_large_message(call, shape, expected, found),
                           difference=f"{call} computes {len(found['nodes']):,} operations, the book's "
                                      f"{len(expected['nodes']):,}")
    e, f = canonical(expected), canonical(found)
    if first_mismatch(e, f) is None:
        return expected.get("output_shape") == found.get("output_shape")
    if same_function(call, shape, e, f, student, reference):
        return False
    diagnosis = diagnose(expected, found, shape, call)
    reading = argument_reading(call, shape, mode, found, reference) if "(" in call and not call.endswith("()") \
        else None
    if reading is not None:     # verified on the book's builder: it explains every departure
        diagnosis = Diagnosis([reading], True, diagnosis.matched)
    mode_en, mode_zh = ("training", "训练") if mode == "train" else ("eval", "评估")
    head = bilingual(f"{call} on input {shape_text(shape)} ({mode_en} mode) computes something different "
                     "from the book.",
                     f"{call} 在输入 {shape_text(shape)}（{mode_zh}模式）下的计算与书中不同。")
    if diagnosis.first is None:
        raise CheckFailure(head + undiagnosed(e, f, found["error"]), difference=first_difference(e, f))
    body = diagnosis.first.message()
    others = diagnosis.causes[1:]
    if others:
        body += bilingual("  also: " + "; ".join(c.gist for c in others),
                          "  此外还有 {} 处不同：".format(len(others)) + "；".join(c.where for c in others))
    if found["error"]:
        body += bilingual("  then your forward pass raised:", "  随后你的前向计算出错：") \
            + Text.plain(f"    {found['error']}")
    first = diagnosis.first
    raise CheckFailure(head + body, cause=(first, diagnosis.local),
                       difference=f"{first.english.splitlines()[0].rstrip('.')} ({first.where})",
                       also=diagnosis.causes[1:] if diagnosis.local else ())


def too_large_message(call: str, shape, expected: dict, found: dict) -> Text:
    """For a graph the grader does not compare (``canonical.too_large``): the cost of comparing it is the
    grader's, and no network of the book comes near it."""
    count, book, limit = len(found["nodes"]), len(expected["nodes"]), size_limit(expected)
    return bilingual(f"{call} on input {shape_text(shape)} computes {count:,} operations; the book's computes "
                     f"{book:,}. The grader compares networks of up to {limit:,} operations with the book's: "
                     "yours is far larger, and is not compared.",
                     f"{call} 在输入 {shape_text(shape)} 下有 {count:,} 个运算，书中的只有 {book:,} 个；"
                     f"评分程序只比较不超过 {limit:,} 个运算的网络，你的网络远大于此，不予比较。")


SETTINGS = {"batch_norm", "dropout", "dropout1d", "dropout2d", "dropout3d", "detach"}


def settings(trace) -> Counter:
    """Settings that outputs alone may not show: BatchNorm's momentum, a dropout rate, a .detach()."""
    return Counter((n.op, repr(sorted(n.attrs.items()))) for n in trace.nodes if n.op in SETTINGS)


def same_function(call, shape, expected, found, student, reference) -> bool:
    """Written with other operations, the same function: the same layers and settings, and the same
    outputs in eval and training mode with the same weights (``computation.weights``)."""
    if not found.complete or settings(expected) != settings(found):
        return False
    for mode in ("eval", "train"):          # training mode only when eval agrees: most differ at once
        what = f"running {call} in {mode} mode with the book's weights"
        try:
            theirs = student.ask("weighted_outputs", what, call=call, input_shape=list(shape), mode=mode)
        except (StudentError, SandboxError):
            return False
        book = reference.ask("weighted_outputs", what, call=call, input_shape=list(shape), mode=mode)
        if not isinstance(theirs, list) or len(theirs) != len(book) \
                or not all(isinstance(v, (int, float)) for v in theirs):
            return False
        if not (telling(book, shape[0]) and same_numbers(book, theirs)):
            return False
    return True


def telling(values, images: int) -> bool:
    """Outputs that differ from image to image: a pass whose activations died out (every image gets the
    last layer's bias) cannot tell two functions apart."""
    flat = [float(v) for v in values]
    if images < 2 or not flat or len(flat) % images:
        return False
    size = len(flat) // images
    rows = [flat[i * size:(i + 1) * size] for i in range(images)]
    scale = max(1e-12, max(abs(v) for v in flat))
    return max(abs(a - b) for row in rows[1:] for a, b in zip(rows[0], row)) > 1e-3 * scale


def same_numbers(a, b) -> bool:
    return len(a) == len(b) and all(math.isclose(x, y, rel_tol=1e-5, abs_tol=1e-7) for x, y in zip(a, b))


def operation_text(trace, index: int, lang: str = "en") -> str:
    zh = lang == "zh"
    if index >= len(trace.nodes):
        return "（无：计算到此结束）" if zh else "(nothing: the computation ends here)"
    node = trace.nodes[index]
    sources = ("、" if zh else ", ").join(("输入" if zh else "the input") if j == -1 else f"#{j + 1} {trace.nodes[j].op}"
                                         for j in node.inputs)
    return f"#{index + 1} {layer_text(node)} -> {list(node.shape or [])}" + \
        (f"，由 {sources} 计算" if zh else f", computed from {sources}")


def first_difference(expected, found) -> str:
    """The first differing operation, in one line."""
    index = first_mismatch(expected, found)
    anchor = found.nodes[index] if index < len(found.nodes) else None
    return (f"at {where_text(anchor)} the book computes {operation_text(expected, index)}; "
            f"yours computes {operation_text(found, index)}")


def undiagnosed(expected, found, error) -> Text:
    """The first differing operation, when no one mistake explains the difference."""
    index = first_mismatch(expected, found)
    anchor = found.nodes[index] if index < len(found.nodes) else None
    text = Text.labelled("where", where_text(anchor))
    for label, trace in (("expected", expected), ("found", found)):
        text += Text.labelled(label, operation_text(trace, index), operation_text(trace, index, "zh"))
    if error:
        text += bilingual("  your forward pass raised:", "  你的前向计算出错：") + Text.plain(f"    {error}")
    return text + bilingual(
        "  hint: compare this layer's type, kernel, stride, padding, activation and inputs with the book.",
        "  提示：请对照书中该层的类型、卷积核、步幅、填充、激活函数和输入。")


def same_as_reference(call, shape, student, reference) -> None:
    if compare_computation(call, shape, "train", student, reference):     # first: it names the mistake
        return      # the reference's operations, layers and shapes, one by one: its count and output shape too
    expected_params, expected_shape = reference.params(call, shape), reference.output_shape(call, shape)
    found_params = student.params(call, shape)      # measured on the replay (or the book's, for a proven spelling)
    found_shape = student.output_shape(call, shape)
    if found_shape != expected_shape:
        raise wrong_output_shape(call, shape, found_shape, expected_shape)
    if found_params != expected_params:
        raise wrong_parameter_count(call, found_params, expected_params)


def close(a, b, tol=1e-4) -> bool:
    flat_a, flat_b = list(flatten(a)), list(flatten(b))
    return len(flat_a) == len(flat_b) and all(
        math.isclose(x, y, rel_tol=tol, abs_tol=tol) for x, y in zip(flat_a, flat_b))


def flatten(values):
    """The numbers of nested lists, depth first (iterative: the depth is the reply's, ``channel`` bounds it)."""
    stack = [values]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(reversed(value))
        else:
            yield float(value)


__all__ = ["Diagnosis", "PROPERTY_SETTINGS", "book_shapes", "close", "compare_computation", "same_as_reference",
           "structure_input"]
