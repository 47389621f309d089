"""torch's compiler (``torch._dynamo``) in the zygote: imported only when a child will train.

Nothing in a sandbox compiles, yet torch imports its compiler (1.7 s on the project's machine,
most of the zygote's start after torch itself) in two places:

- the first call of any of its Python kernels (the meta device's dropout, linear, cat, adaptive
  pooling...), only to mark that kernel "never compile";
- each optimizer step, for a graph break.

The zygote marks the kernels itself (``mark_kernels_never_compiled``), so that recording graphs
on the meta device needs no compiler, and imports the compiler before it forks the first child
that trains (``import_for_training``), so that no training child pays for it on its own.
"""
from __future__ import annotations

import gc
import sys
from types import FunctionType


def mark_kernels_never_compiled() -> int:
    """Give each kernel wrapped by ``torch._disable_dynamo`` the mark it would make on its first call.

    The wrapper calls ``fn.__dynamo_disable`` when it is set, else imports the compiler to make it
    (``torch._dynamo.disable(fn)``: ``fn`` with compilation turned off, which is ``fn`` itself when
    nothing compiles). The mark made here is ``fn``. If this torch's wrapper is not the one this
    expects, nothing is marked and torch imports its compiler as before. Returns how many were marked.
    """
    import torch._compile      # here: the grading process, which imports this package, never imports torch
    code = torch._compile._disable_dynamo(lambda: None).__code__
    if "fn" not in code.co_freevars or "__dynamo_disable" not in code.co_consts + code.co_names:
        return 0
    where = code.co_freevars.index("fn")
    marked = 0
    for wrapper in gc.get_objects():
        if type(wrapper) is FunctionType and wrapper.__code__ is code:
            kernel = wrapper.__closure__[where].cell_contents
            try:
                if getattr(kernel, "__dynamo_disable", None) is None:
                    setattr(kernel, "__dynamo_disable", kernel)
                    marked += 1
            except (AttributeError, TypeError):     # a callable without a __dict__: torch marks it itself
                pass
    return marked


def compiler_imported() -> bool:
    return "torch._dynamo" in sys.modules


def import_for_training() -> None:
    """Import the compiler, which every optimizer step needs, once, before forking a child that trains."""
    import torch._dynamo  # noqa: F401
