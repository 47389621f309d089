"""The visible checks: the book's tables, parameter counts and block examples.

``exercises/test_<module>.py`` runs these against the student's file (or, with
``--impl=solutions``, against the reference). Every check either returns or
raises ``CheckFailure`` with a message meant for the student.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import build
from .report import (CheckFailure, bilingual, describe_exception, first_difference, shape_text, side_by_side,
                     wrong_output_shape, wrong_parameter_count)
from .spec import NETWORKS, BlockExample, NetworkSpec


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
        raise CheckFailure(bilingual(
            f"importing {path.name} failed: {describe_exception(error, path)}",
            f"导入 {path.name} 失败（见上方错误信息）。")) from None


def run(impl_dir: Path, case: Case) -> None:
    module = load(impl_dir, case.module)
    source = Path(impl_dir) / f"{case.module}.py"
    try:
        {"table": check_table, "params": check_params, "example": check_example}[case.kind](module, case)
    except CheckFailure:
        raise
    except NotImplementedError as error:
        raise CheckFailure(str(error)) from None
    except build.LayerError as error:
        raise CheckFailure(table_failure(case.spec, error.rows, error, source)) from None
    except Exception as error:
        call = case.example.call if case.example else case.spec.call
        raise CheckFailure(bilingual(
            f"{call} failed: {describe_exception(error, source)}",
            f"{call} 运行出错（见上方错误信息）。")) from None


def table_failure(spec: NetworkSpec, found, error: BaseException | None = None, source=None) -> str:
    expected = list(spec.table)
    row = first_difference(expected, found)
    row = len(found) if error is not None else row
    head = bilingual(
        f"{spec.call}: the per-layer output table for input {shape_text(spec.input_shape)} "
        f"differs from the book at row {row + 1}.",
        f"{spec.call}：输入 {shape_text(spec.input_shape)} 时的逐层输出形状与书中第 {row + 1} 行不一致。")
    table = side_by_side(expected, found, note="(error / 出错)" if error is not None else "")
    tail = ""
    if error is not None:
        tail = "\n" + bilingual(f"Layer {row + 1} ({error.layer_name}) raised "
                                f"{describe_exception(error.error, source)}",
                                f"第 {row + 1} 层（{error.layer_name}）运行时出错。")
    return f"{head}\n{table}{tail}"


def check_table(module, case: Case) -> None:
    spec = case.spec
    found = build.on_meta_or_cpu(build.layer_table, module, spec.call, spec.input_shape)
    if first_difference(list(spec.table), found) is not None:
        raise CheckFailure(table_failure(spec, found))


def check_params(module, case: Case) -> None:
    spec = case.spec
    found = build.parameter_count(build.build(module, spec.call, "meta", spec.input_shape))
    if found != spec.params:
        raise wrong_parameter_count(spec.call, found, spec.params, spec.title)


def check_example(module, case: Case) -> None:
    ex = case.example
    block = build.build(module, ex.call, "meta", ex.input_shape)
    found = build.on_meta_or_cpu(build.output_shape, module, ex.call, ex.input_shape)
    if found != ex.output_shape:
        raise wrong_output_shape(ex.call, ex.input_shape, found, ex.output_shape)
    params = build.parameter_count(block)
    if params != ex.params:
        raise wrong_parameter_count(ex.call, params, ex.params)
