"""The student bundle, as ``python -m grader release OUT_DIR`` writes it.

The bundle is everything a student needs and nothing of the hidden grader:

- ``exercises/``: the stubs (the seven networks, the BatchNorm from scratch
  and DenseNet), generated afresh from ``solutions/`` (the solution regions
  replaced by ``raise NotImplementedError``), the visible tests ``test_*.py``
  and their ``conftest.py``;
- ``d2lkit/``: the helpers the visible tests import (``spec``, ``build``,
  ``report``, ``visible``: whatever ``grader`` modules the tests reach, found by
  following their imports), copied under a package name of their own, with
  the tests' ``grader.`` imports rewritten to ``d2lkit.``;
- ``README.md`` (English and Chinese), ``requirements.txt`` and
  ``pyproject.toml`` (pinned dependencies, pytest set-up).

The import closure must not reach a hidden module (``grader/hidden.py``
lists them: the hidden tests, ``checking``, the trace comparison and
diagnosis, ``strategies``, ``probes``, ``sandbox``, ``grade``): if a visible
helper starts to import one, the release refuses. After writing, the bundle is audited: no
line of a solution region and no line found only in the hidden checks may
appear in any of its files (``audit``); the release fails if one does.
"""
from __future__ import annotations

import ast
import re
import shutil
import tomllib
from pathlib import Path

from . import editions, stubgen
from .hidden import GRADER_DIR, hidden_files
from .spec import ALL_MODULES, NETWORKS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(__file__).resolve().parent
TEMPLATES = PACKAGE / "templates"
BUNDLE_PACKAGE = "d2lkit"
MARKER = ".d2l-bundle"                 # marks a folder this command wrote (so --force may clear it)
STUDENT_REQUIREMENTS = ("torch", "pytest")      # what the visible tests need
NOTEBOOK_REQUIREMENTS = ("ipykernel", "jupyterlab")   # the course notebooks (no nbgrader: no instructor UI)
MIN_SOLUTION_LINE = 8                  # shorter solution lines (")", "])") say nothing


class ReleaseError(Exception):
    """The bundle cannot be written, or would leak what students must not see."""


# -- what ships ---------------------------------------------------------------

def dotted(path: Path, package: Path = PACKAGE) -> str:
    """``computation/record.py`` -> ``computation.record``; a package's ``__init__.py`` -> the package."""
    parts = list(path.relative_to(package).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def hidden_modules() -> set[str]:
    """The hidden modules, as dotted names inside ``grader`` (``grader/hidden.py``)."""
    return {dotted(path, GRADER_DIR) for path in hidden_files()}


def is_hidden(name: str, hidden: set[str]) -> bool:
    return any(name == h or name.startswith(h + ".") for h in hidden)


def grader_imports(source: str, package: str | None) -> set[str]:
    """Modules of ``grader`` that ``source`` imports, as dotted names (``computation.record``).

    ``package``: the dotted package the source lives in ("" for ``grader`` itself), or
    ``None`` outside the package (then only absolute ``grader.x`` imports count)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "grader":
                    if len(parts) == 1:
                        raise ReleaseError("'import grader' (the whole package) cannot be shipped")
                    found.add(".".join(parts[1:]))
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and node.module.split(".")[0] == "grader":
                parts = node.module.split(".")
                found |= {".".join(parts[1:])} if len(parts) > 1 else {a.name for a in node.names}
            elif node.level >= 1 and package is not None:
                base = package.split(".") if package else []
                if node.level - 1 > len(base):
                    raise ReleaseError(f"relative import beyond the package: {ast.unparse(node)}")
                base = base[:len(base) - (node.level - 1)]
                if node.module:
                    found.add(".".join(base + node.module.split(".")))
                else:
                    found |= {".".join(base + [a.name]) for a in node.names}
    return found


def module_path(name: str, package: Path = PACKAGE) -> Path | None:
    for path in (package / f"{name.replace('.', '/')}.py", package / name.replace(".", "/") / "__init__.py"):
        if path.is_file():
            return path
    return None


def import_closure(entry_sources: list[str], package: Path = PACKAGE) -> list[str]:
    """The ``grader`` modules the visible tests need, following imports; refuses hidden ones."""
    hidden = hidden_modules()
    todo = set().union(*(grader_imports(s, None) for s in entry_sources))
    needed: set[str] = set()
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        if is_hidden(name, hidden):
            raise ReleaseError(f"the visible tests import grader.{name}, a hidden module: "
                               "the bundle would ship hidden checks")
        path = module_path(name, package)
        if path is None:
            raise ReleaseError(f"the visible tests import grader.{name}, which is not a module file")
        needed.add(name)
        parts = name.split(".")
        todo |= {".".join(parts[:k]) for k in range(1, len(parts))} - needed     # the packages on the way
        inside = name if path.name == "__init__.py" else ".".join(parts[:-1])
        todo |= grader_imports(path.read_text(encoding="utf-8"), inside) - needed
    return sorted(needed)


def bundle_path(name: str, package: Path = PACKAGE) -> str:
    relative = module_path(name, package).relative_to(package)
    return f"{BUNDLE_PACKAGE}/{relative.as_posix()}"


def rewrite_imports(source: str) -> str:
    """``grader.x`` -> ``d2lkit.x`` in import statements (only there)."""
    def fix(match):
        return match.group(0).replace("grader", BUNDLE_PACKAGE, 1)
    return re.sub(r"^(\s*)(from|import)\s+grader\b", fix, source, flags=re.MULTILINE)


def pinned(names) -> list[str]:
    """The kit's pins (``pyproject.toml``) for ``names``, e.g. ``torch==2.14.1``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = {re.split(r"[=<>!~ \[;]", d, maxsplit=1)[0].lower(): d for d in project["dependencies"]}
    missing = [n for n in names if n not in pins]
    if missing:
        raise ReleaseError(f"pyproject.toml pins no version of {', '.join(missing)}")
    return [pins[n] for n in names]


def python_requirement() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return project.get("requires-python", ">=3.11").lstrip(">=")


def render(template: str, **values) -> str:
    for key, value in values.items():
        template = template.replace("{" + key + "}", str(value))
    return template


def student_readme(requirements: list[str]) -> str:
    rows = []
    for module in ALL_MODULES:
        spec, book = NETWORKS[module], editions.SECTIONS[module]
        names = ", ".join(f"`{n}`" if n[0].isupper() else f"`{n}()`" for n in spec.student_names)
        rows.append(f"| `exercises/{module}.py` | {names} ({spec.title}) | [{book.zh}]({book.zh_url}) "
                    f"| [{book.en}]({book.en_url}) |")
    torch_pin = next(r for r in requirements if r.startswith("torch"))
    return render((TEMPLATES / "student_README.md").read_text(encoding="utf-8"),
                  python=python_requirement(), pins=", ".join(requirements),
                  torch_version=torch_pin.split("==", 1)[-1], table="\n".join(rows),
                  zh_title=editions.ZH_TITLE, en_title=editions.EN_TITLE,
                  style="\n".join(editions.STYLE).replace("``", "`"),
                  style_zh="\n".join(editions.STYLE_ZH).replace("``", "`"),
                  files=", ".join(f"`{m}.py`" for m in ALL_MODULES))


def bundle_pyproject(requirements: list[str]) -> str:
    deps = "".join(f'    "{r}",\n' for r in requirements)
    notebooks = ", ".join(f'"{r}"' for r in pinned(NOTEBOOK_REQUIREMENTS))
    return (f'# The student bundle of the d2l CNN kit (written by `python -m grader release`).\n'
            f'[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "d2l-cnn-exercises"\nversion = "0.1.0"\n'
            f'description = "Exercises and visible tests for the modern CNNs of Dive into Deep Learning"\n'
            f'requires-python = ">={python_requirement()}"\ndependencies = [\n{deps}]\n\n'
            f'[project.optional-dependencies]\n'
            f'notebooks = [{notebooks}]      # the course notebooks in JupyterLab\n\n'
            f'[tool.setuptools.packages.find]\ninclude = ["{BUNDLE_PACKAGE}*"]\n\n'
            f'[tool.pytest.ini_options]\npythonpath = ["."]\naddopts = "--strict-markers"\n'
            f'testpaths = ["exercises"]\n'
            # torch does not require numpy, and warns at every run without it (the CPU-only set-up)
            f'filterwarnings = ["ignore:Failed to initialize NumPy:UserWarning"]\n')


NOTEBOOK_ENTRY = "from grader.jupyter.cells import hidden_check, visible_tests\n"   # what course notebooks import


def student_package(visible_tests: list[str] | None = None) -> dict[str, str]:
    """Relative path -> text of the student package ``d2lkit``: the ``grader`` modules that the
    visible tests and the course notebooks' cells import (``grader.jupyter.cells``), and nothing else."""
    if visible_tests is None:
        exercises = ROOT / "exercises"
        visible_tests = [p.read_text(encoding="utf-8") for p in sorted(exercises.glob("test_*.py"))
                         + [exercises / "conftest.py"]]
    files = {bundle_path(name): rewrite_imports(module_path(name).read_text(encoding="utf-8"))
             for name in import_closure(list(visible_tests) + [NOTEBOOK_ENTRY])}
    files[f"{BUNDLE_PACKAGE}/__init__.py"] = (
        '"""Helpers of the visible tests: the book\'s tables (spec), building models on the meta\n'
        'device (build), readable messages (report), the checks themselves (visible) and what the\n'
        'cells of the course notebooks call (jupyter.cells)."""\n')
    return files


def bundle_files() -> dict[str, str]:
    """Relative path -> text of every file of the bundle."""
    exercises = ROOT / "exercises"
    tests = sorted(exercises.glob("test_*.py")) + [exercises / "conftest.py"]
    if not (exercises / "conftest.py").is_file():
        raise ReleaseError("exercises/conftest.py is missing")
    sources = {p.name: p.read_text(encoding="utf-8") for p in tests}
    files: dict[str, str] = {}
    for module, text in stubgen.expected_stubs(ROOT / "solutions").items():
        files[f"exercises/{module}.py"] = text
    for name, text in sources.items():
        files[f"exercises/{name}"] = rewrite_imports(text)
    files.update(student_package(list(sources.values())))
    requirements = pinned(STUDENT_REQUIREMENTS)
    files["requirements.txt"] = "".join(f"{r}\n" for r in requirements)
    files["pyproject.toml"] = bundle_pyproject(requirements)
    files["README.md"] = student_readme(requirements)
    files[".gitignore"] = ".venv/\n__pycache__/\n.pytest_cache/\n*.egg-info/\n"
    for path, text in files.items():
        if path.endswith(".py") and re.search(r"^\s*(from|import)\s+grader\b", text, flags=re.MULTILINE):
            raise ReleaseError(f"{path} still imports the grader package")
    return files


# -- the audit ----------------------------------------------------------------

def solution_lines(solutions: Path = ROOT / "solutions") -> set[str]:
    """Stripped lines inside ``### BEGIN/END SOLUTION`` that never occur outside a region."""
    inside_lines, outside_lines = set(), set()
    for path in sorted(solutions.glob("*.py")):
        inside = False
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped == stubgen.BEGIN:
                inside = True
            elif stripped == stubgen.END:
                inside = False
            else:
                (inside_lines if inside else outside_lines).add(stripped)
    return {line for line in inside_lines - outside_lines if len(line) >= MIN_SOLUTION_LINE}


def hidden_only_lines() -> set[str]:
    """Lines (12+ characters) of the hidden modules that occur in no public file of the kit.

    Public: the other ``grader`` modules and ``exercises/`` (stubs, visible tests, conftest),
    all of which students may see; ``super().__init__()`` is no secret.
    """
    hidden = set(hidden_files())
    lines, public = set(), set()
    for path in sorted(PACKAGE.rglob("*.py")) + sorted((ROOT / "exercises").glob("*.py")):
        text = {l.strip() for l in path.read_text(encoding="utf-8").splitlines()}
        if path in hidden:
            lines |= {l for l in text if len(l) >= 12}
        else:
            public |= text
    return lines - public


def audit(bundle: Path) -> list[str]:
    """Every leak in ``bundle``: hidden module files, solution-region lines, hidden-only lines."""
    problems = []
    hidden = hidden_modules()
    files = sorted(p for p in Path(bundle).rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    solutions = solution_lines()
    hidden_lines = hidden_only_lines()
    for path in files:
        rel = path.relative_to(bundle)
        if path.suffix == ".py" and rel.parts[0] == BUNDLE_PACKAGE and \
                is_hidden(dotted(path, Path(bundle) / BUNDLE_PACKAGE), hidden):
            problems.append(f"{rel}: a hidden module of the grader")
        if "solutions" in rel.parts:
            problems.append(f"{rel}: inside a solutions folder")
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            stripped = line.strip()
            if stripped in solutions:
                problems.append(f"{rel} line {number}: a line of a solution region: {stripped[:60]}")
            elif stripped in hidden_lines:
                problems.append(f"{rel} line {number}: a line of the hidden checks: {stripped[:60]}")
            if stripped in (stubgen.BEGIN, stubgen.END):
                problems.append(f"{rel} line {number}: a solution marker")
    return problems


# -- writing ------------------------------------------------------------------

def write_bundle(out: Path, force: bool = False) -> list[Path]:
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ReleaseError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not (force or (out / MARKER).is_file()):
            raise ReleaseError(f"{out} is not empty and holds no earlier bundle: choose an empty folder "
                               "or pass --force to replace its contents")
        for entry in out.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    files = bundle_files()
    written = []
    for rel, text in sorted(files.items()):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    (out / MARKER).write_text("written by python -m grader release; safe to replace\n", encoding="utf-8")
    problems = audit(out)
    if problems:
        raise ReleaseError("the bundle leaks what students must not see:\n  " + "\n  ".join(problems[:20]))
    return written
