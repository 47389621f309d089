"""The visible checks: the book's tables, parameter counts and block examples.

``exercises/test_<module>.py`` runs these against the student's file (or, with
``--impl=solutions``, against the reference). Every check either returns or
raises ``CheckFailure`` with a message meant for the student.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import build, shapes
from .computation.record import produced_shapes
from .report import (CheckFailure, bilingual, describe_exception, shape_text, table_failure, wrong_output_shape,
                     wrong_parameter_count)
from .spec import NETWORKS, RETURNS_LIST, BlockExample, NetworkSpec
from .text import Text


@dataclass(frozen=True)
class Case:
    """One visible check: the layer table or parameter count of a network, or a block example."""

    module: str
    kind: str                        # "table", "params" or "example"
    example: BlockExample | None = None

    @property
    def spec(self) -> NetworkSpec:
        return NETWORKS[self.module]

    def __str__(self) -> str:
        if self.kind == "example":
            return f"{self.example.call} on {shape_text(self.example.input_shape)}"
        return f"{self.spec.call} {'layer table' if self.kind == 'table' else 'parameter count'}"


def cases(module: str) -> list[Case]:
    spec = NETWORKS[module]
    return ([Case(module, "example", ex) for ex in spec.examples]
            + [Case(module, "table"), Case(module, "params")])


def load(impl_dir: Path, module: str):
    """Import the student's module; any error becomes a readable failure."""
    path = Path(impl_dir) / f"{module}.py"
    try:
        return build.load_module(impl_dir, module)
    except FileNotFoundError:
        raise CheckFailure(bilingual(f"{path} is missing.", f"找不到文件 {path}。")) from None
    except Exception as error:
        raise CheckFailure(bilingual(f"importing {path.name} failed:", f"导入 {path.name} 失败：")
                           + Text.plain("  " + describe_exception(error, path))) from None


def run(impl_dir: Path, case: Case) -> None:
    module = load(impl_dir, case.module)
    source = Path(impl_dir) / f"{case.module}.py"
    try:
        {"table": check_table, "params": check_params, "example": check_example}[case.kind](module, case)
    except CheckFailure:
        raise
    except NotImplementedError as error:
        raise CheckFailure(str(error)) from None      # the stub's own message, in both languages
    except Exception as error:
        call = case.example.call if case.example else case.spec.call
        raise CheckFailure(bilingual(f"{call} failed:", f"{call} 运行出错：")
                           + Text.plain("  " + describe_exception(error, source))) from None


def top_level_table(module, call: str, input_shape):
    """The book's printing loop over the student's network (or the network a wrapper holds); ``None`` when it
    is not a ``Sequential``. Rows up to a layer that raised."""
    try:
        return build.on_meta_or_cpu(build.layer_table, module, call, input_shape)
    except build.LayerError as error:
        return error.rows
    except build.SubmissionMistake:
        return None


def check_table(module, case: Case) -> None:
    spec = case.spec
    found = top_level_table(module, spec.call, spec.input_shape)
    if found == list(spec.table):
        return
    produced = build.on_meta_or_cpu(produced_shapes, module, spec.call, spec.input_shape)
    row = shapes.first_missing_row(spec.table, produced)
    if row is not None:
        raise CheckFailure(table_failure(spec, found, shapes.marked_row(spec.table, found, row),
                                         produced["error"] or "", produced.get("raised_in")))


def check_params(module, case: Case) -> None:
    spec = case.spec
    found = build.used_parameter_count(build.build(module, spec.call, "meta", spec.input_shape), spec.input_shape)
    if found != spec.params:
        raise wrong_parameter_count(spec.call, found, spec.params, spec.title)


def check_example(module, case: Case) -> None:
    ex = case.example
    returned_module(module, ex.call)
    block = build.build(module, ex.call, "meta", ex.input_shape)
    found = build.on_meta_or_cpu(build.output_shape, module, ex.call, ex.input_shape)
    if found != ex.output_shape:
        raise wrong_output_shape(ex.call, ex.input_shape, found, ex.output_shape)
    params = build.used_parameter_count(block, ex.input_shape)
    if params != ex.params:
        raise wrong_parameter_count(ex.call, params, ex.params)


def returned_module(module, call: str) -> None:
    """Each builder returns what its docstring says: a module that can be called (``resnet_block``: a list)."""
    import torch
    with torch.device("meta"):
        built = build.evaluate_call(module, call)
    builder = call.split("(", 1)[0]
    if builder not in RETURNS_LIST and not isinstance(built, torch.nn.Module):
        raise CheckFailure(bilingual(
            f"{call} returned a {type(built).__name__}; it must return a module that can be called, "
            "an nn.Sequential (hint: nn.Sequential(*layers)).",
            f"{call} 返回了 {type(built).__name__}；它应返回可调用的模块 nn.Sequential（提示：nn.Sequential(*layers)）。"))
