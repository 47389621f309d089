"""Which argument of a builder a student's block misreads, found by asking the book's builder.

A block that is right for some arguments and wrong for others usually reads
one argument wrongly: ignores it (its default is used), inverts a boolean
(``use_1x1conv``, ``first_block``), or uses two arguments in each other's place
(``Inception``'s channel counts, a tuple read in the other order). Here each
such reading is tried on the reference: the book's builder is called with the
argument flipped, set to its default, or two arguments exchanged, and when
the book's computation then equals the student's, operation by operation,
that reading is the cause. It is verified, not guessed: the book's own
builder, so read, computes exactly what theirs does.
"""
from __future__ import annotations

import ast
import itertools

from ..computation.canonical import canonical, first_mismatch
from ..computation.diagnose import Cause, PARAMETERS, call_arguments
from ..sandbox import SandboxError, StudentError
from .outcome import GraderBroken

MAX_READINGS = 16           # calls of the reference tried for one failing call


def readings(call: str) -> list[tuple[str, dict, str]]:
    """(builder, its arguments read otherwise, what that reading is) for ``call`` (``Residual(3, 6, True)``)."""
    try:
        builder = ast.parse(call, mode="eval").body.func.id
    except (SyntaxError, AttributeError):
        return []
    declared = PARAMETERS.get(builder, ())
    defaults = {p.split("=", 1)[0]: ast.literal_eval(p.split("=", 1)[1]) for p in declared if "=" in p}
    values = call_arguments(call, PARAMETERS)
    if not values or set(values) - {p.split("=", 1)[0] for p in declared}:
        return []
    found = []
    order = [p.split("=", 1)[0] for p in declared]
    values = {name: values[name] for name in order if name in values}
    for name, value in values.items():
        if isinstance(value, bool):
            found.append((builder, {**values, name: not value}, f"{name}={value!r} acts as {name}={not value!r}"))
        elif name in defaults and value != defaults[name]:
            found.append((builder, {**values, name: defaults[name]}, f"{name} not used (its default is)"))
        if isinstance(value, tuple) and len(value) == 2 and value[0] != value[1]:
            found.append((builder, {**values, name: value[::-1]}, f"{name} read in the other order"))
    for (a, x), (b, y) in itertools.combinations(values.items(), 2):
        if x != y and type(x) is type(y) and not isinstance(x, bool):
            found.append((builder, {**values, a: y, b: x}, f"{a} and {b} used in each other's place"))
    return found[:MAX_READINGS]


def call_text(builder: str, values: dict) -> str:
    return f"{builder}({', '.join(f'{name}={value!r}' for name, value in values.items())})"


def argument_reading(call: str, shape, mode: str, found: dict, reference) -> Cause | None:
    """The one reading of ``call``'s arguments under which the book's builder computes ``found`` (the student's
    graph), or None. A reading the reference cannot run is skipped."""
    theirs = canonical(found)
    if not theirs.complete:
        return None
    matches = []
    for builder, values, what in readings(call):
        try:
            book = reference.graph(call_text(builder, values), shape, mode)
        except (GraderBroken, StudentError, SandboxError, ValueError, KeyError, TypeError):
            continue
        if book.get("error") is None and first_mismatch(canonical(book), theirs) is None \
                and book.get("output_shape") == found.get("output_shape"):
            matches.append((values, what))
    if len(matches) != 1:       # none, or several readings that compute the same: not one cause to name
        return None
    values, what = matches[0]
    name = what.split(" ")[0].split("=")[0]
    shown = call_text(call.split("(")[0], values)
    return Cause(("argument", name), call,
                 f"your block computes what the book's {shown} computes: {what}.",
                 f"你的模块计算的是书中 {shown} 的结果：参数 {name} 的用法不对。",
                 f"build the block from the argument {name}, as the book does.",
                 f"请按书中的方式使用参数 {name}。", f"argument {what}")
