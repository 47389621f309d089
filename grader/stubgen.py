"""Generate the student stubs in ``exercises/`` from the reference ``solutions/``.

Each region between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes a
``raise NotImplementedError(...)`` that names the function and says what to
do. Everything outside the markers (imports, signatures, docstrings, helper
code) is kept. The docstrings of the builders and blocks that the spec knows
get the book's expectations appended: the per-layer table, the parameter
count, the examples. Run ``python -m grader stubs`` after editing a solution;
``python -m grader stubs --check`` fails when ``exercises/`` is out of date.
"""
from __future__ import annotations

import ast
from pathlib import Path

from .spec import NETWORKS, NetworkSpec

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
ROOT = Path(__file__).resolve().parent.parent
HEADER = ('# Your work: replace every `raise NotImplementedError(...)` below with code.\n'
          '# 你的任务：把下面每个 `raise NotImplementedError(...)` 换成你的代码。\n'
          '# (Generated from solutions/{name} by `python -m grader stubs`.)\n')


def spec_notes(spec: NetworkSpec, name: str) -> list[str]:
    """The docstring lines the spec adds for the function or class ``name``."""
    lines = []
    for ex in spec.examples:
        if ex.call.split("(", 1)[0] == name:
            lines.append(f"Example (示例): ``{ex.call}`` maps shape {ex.input_shape} to "
                         f"{ex.output_shape} and has {ex.params:,} parameters.")
    if spec.builder == name:
        lines += [f"The book runs a tensor of shape {spec.input_shape} through the top-level layers",
                  "and prints (书中逐层输出的形状)::", ""]
        lines += [f"    {row.name} output shape: torch.Size({list(row.shape)})" for row in spec.table]
        lines += ["", f"Parameters (参数总数): {spec.params:,}"]
    return lines


def stub_lines(qualname: str, module: str, indent: str) -> list[str]:
    """The ``raise NotImplementedError(...)`` that replaces a solution region."""
    parts = [f"{qualname} is not implemented yet: write it as its docstring describes, ",
             f"then run pytest exercises/test_{module}.py\\n",
             f"{qualname} 尚未实现：请按文档字符串的说明完成它，",
             f"然后运行 pytest exercises/test_{module}.py"]
    return ([f"{indent}raise NotImplementedError("]
            + [f'{indent}    "{p}"' for p in parts[:-1]] + [f'{indent}    "{parts[-1]}")'])


def enclosing_definitions(tree: ast.Module) -> list[tuple[str, ast.AST]]:
    """(qualified name, node) of every function and class, methods included."""
    found = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found.append((node.name, node))
        if isinstance(node, ast.ClassDef):
            found += [(f"{node.name}.{m.name}", m) for m in node.body if isinstance(m, ast.FunctionDef)]
    return found


def generate(source: str, module: str) -> str:
    """Return the stub text for the solution ``source`` of ``module``."""
    tree = ast.parse(source)
    lines = source.splitlines()
    definitions = enclosing_definitions(tree)
    spec = NETWORKS[module]
    edits: list[tuple[int, int, list[str]]] = []   # (first line, last line) 0-based inclusive, new lines

    for name, node in definitions:
        doc = ast.get_docstring(node, clean=False) is not None and node.body[0]
        notes = spec_notes(spec, name)
        if notes and doc:
            end = doc.end_lineno - 1
            indent = lines[end][:len(lines[end]) - len(lines[end].lstrip())]
            if lines[end].strip() != '"""':
                raise ValueError(f"{module}.py: the docstring of {name} must end with a line of its own '\"\"\"'")
            edits.append((end, end - 1, [""] + [f"{indent}{n}".rstrip() for n in notes]))

    index = 0
    while index < len(lines):
        if lines[index].strip() == BEGIN:
            start = index
            while lines[index].strip() != END:
                index += 1
            indent = lines[start][:len(lines[start]) - len(lines[start].lstrip())]
            owner = [n for n, node in definitions
                     if isinstance(node, ast.FunctionDef) and node.lineno <= start + 1 <= node.end_lineno]
            qualname = max(owner, key=len)
            edits.append((start, index, stub_lines(qualname, module, indent)))
        index += 1

    # Apply from the bottom so earlier line numbers stay valid; an insertion
    # (last < first) goes before line ``first``.
    for first, last, new in sorted(edits, key=lambda e: e[0], reverse=True):
        lines[first:last + 1] = new
    return HEADER.format(name=f"{module}.py") + "\n".join(lines) + "\n"


def expected_stubs(solutions: Path = ROOT / "solutions") -> dict[str, str]:
    return {module: generate((solutions / f"{module}.py").read_text(encoding="utf-8"), module)
            for module in NETWORKS}


def write_stubs(exercises: Path = ROOT / "exercises") -> list[Path]:
    written = []
    for module, text in expected_stubs().items():
        path = exercises / f"{module}.py"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_stubs(exercises: Path = ROOT / "exercises") -> list[str]:
    """Modules whose file in ``exercises`` differs from what the solutions generate."""
    return [module for module, text in expected_stubs().items()
            if not (exercises / f"{module}.py").is_file()
            or (exercises / f"{module}.py").read_text(encoding="utf-8") != text]


def configure(parser):
    parser.add_argument("--check", action="store_true",
                        help="only report stubs that differ from what solutions/ generate; exit 1 if any")


def main(args) -> int:
    if args.check:
        stale = stale_stubs()
        for module in stale:
            print(f"exercises/{module}.py is out of date: run python -m grader stubs")
        return 1 if stale else 0
    for path in write_stubs():
        print(f"wrote {path.relative_to(ROOT)}")
    return 0
