"""Run the hidden tests for one network of a submission, with pytest, and score them."""
from __future__ import annotations

import sys

import pytest

from ..computation.canonical import too_large
from ..computation.diagnose import diagnose, set_parameters
from ..sandbox import Limits, SandboxError, StudentError
from ..spec import NETWORKS, PARAMETERS
from ..text import Text
from . import policy
from .catalogue import pytest_args, test_paths
from .compare import structure_input
from .outcome import GraderBroken, Result, clean_text
from .plugin import GradingPlugin

set_parameters(PARAMETERS)


def two_languages(text: str) -> Text:
    """A message the kit's own code raised in the student's child (a stub's ``NotImplementedError``, a
    ``build.SubmissionMistake``): its English line, then its Chinese line. Anything else is shown as it is."""
    english, newline, chinese = text.partition("\n")
    return Text.say(english, chinese) if newline and "\n" not in chinese else Text.plain(text)


def explain_student_error(error: StudentError) -> Text:
    if error.kind in ("NotImplementedError", "SubmissionMistake"):
        return two_languages(error.text)
    if error.kind == "NotReplayable" and error.text.startswith("the forward pass raised "):
        return Text.say("your code raised:", "你的代码抛出了异常：") \
            + Text.plain("  " + error.text[len("the forward pass raised "):])
    if error.kind == "NotReplayable":
        return Text.say("the grader measures the network your forward pass computes, and cannot run yours:",
                        "评分程序按你的前向计算重建网络并测量，但无法运行你的网络：") + Text.plain("  " + error.text)
    if error.kind == "MemoryError" or "allocate" in error.text:
        return Text.say(f"ran out of memory: the code of one network may use at most {Limits.memory_mb} MB "
                        "by default:", f"内存超出限制（默认每个网络最多 {Limits.memory_mb} MB）：") \
            + Text.plain("  " + error.message())
    if error.kind == "OSError" and "File too large" in error.text:
        return Text.say("the code printed more output than allowed (8 MB); printing failed",
                        "程序输出过多（超过 8 MB）。")
    return Text.say("your code raised:", "你的代码抛出了异常：") + Text.plain("  " + error.message())


def explain(error) -> tuple[Text, bool, bool]:
    """(message for the student, the code crashed, the grader itself is broken)."""
    if isinstance(error, StudentError):
        return explain_student_error(error), True, False
    if isinstance(error, SandboxError):
        return error.message(), True, False
    if isinstance(error, GraderBroken):
        return Text.plain(str(error)), False, True
    print(f"grader: internal error in a check: {type(error).__name__}: {error}", file=sys.stderr)
    return Text.say(f"the grader could not complete this check ({type(error).__name__}); tell your instructor",
                    "评分程序无法完成此项检查，请联系老师。"), True, False


def run_checks(module: str, student, reference, kinds, check_seconds: float | None = None) -> list[Result]:
    """Every hidden test of ``kinds`` for ``module``, run by pytest; results in the catalogue's order.
    ``check_seconds``: each check's wall-clock limit in this process (None: none)."""
    plugin = GradingPlugin((module,), kinds, {module: student}, {module: reference}, check_seconds)
    plugin.explain = explain
    code = pytest.main(pytest_args(test_paths()), plugins=[plugin])
    if plugin.broken is not None:
        raise plugin.broken
    if code not in (0, 1, 5):
        raise GraderBroken(f"pytest could not run the hidden tests (exit code {code})")
    return plugin.outcomes()


def network_diagnosis(module: str, student, reference):
    """The first departures of the whole network from the book's (training mode), or None when it cannot run."""
    spec = NETWORKS[module]
    shape = structure_input(spec)
    try:
        expected = reference.graph(spec.call, shape, "train")
        found = student.graph(spec.call, shape, "train")
    except (StudentError, SandboxError):
        return None
    if not found["nodes"] or too_large(expected, found):     # not compared (see compare.too_large_message)
        return None
    try:
        return diagnose(expected, found, shape, spec.call)
    except (TypeError, KeyError, ValueError, IndexError, AttributeError, RecursionError):   # shaped to break us
        return None


def score(results: list[Result], module: str, student, reference) -> list[Result]:
    """One mistake, charged once; behaviour points only for the book's network; a layer written from scratch
    computes its own statistics (``policy``)."""
    if any(r.status == "failed" for r in results):
        diagnosis = None
        if any(r.status == "failed" and getattr(r, "cause_detail", None) is None for r in results):
            diagnosis = network_diagnosis(module, student, reference)
        policy.attribute(results, diagnosis)
        policy.charge(results, module)
        for result in results:      # the causes name the student's own classes: clean text again
            result.output = clean_text(result.output)
        policy.require_book_network(results)
    if NETWORKS[module].opaque:         # a layer written from scratch: its statistics are its own
        from .batchnorm import library_calls
        policy.require_own_statistics(results, library_calls(student))
    return results
