"""A Gradescope autograder package (``python -m grader gradescope OUT.zip``), and its run on Gradescope.

The zip holds, at its root (where Gradescope wants them):

- ``setup.sh``: run once by Gradescope on its Ubuntu image; installs Python
  3.11+, a virtual environment with the kit's pinned dependencies (the CPU
  build of torch) and, with training checks, Fashion-MNIST;
- ``run_autograder``: run for every submission; grades
  ``/autograder/submission`` and writes ``/autograder/results/results.json``;
- ``kit/``: the grader, the reference solutions, ``autograder.json`` (the
  options chosen here) and ``reference_cache.json`` (the reference's
  observations, computed once here so that no container recomputes them).

What students see (``--hidden-feedback``): the checks the visible tests also
make (shapes, parameter counts) keep their whole message. For the hidden
checks, ``brief`` (the default) keeps the headline of each failure (what is
wrong, and where in the student's own code when it raised) and drops the
details (expected / found / hint), ``full`` keeps everything (the same report
as ``python -m grader grade``), ``none`` keeps only pass/fail and points.
``--hidden-visibility`` sets Gradescope's visibility of those tests
(``after_due_date`` hides them until the deadline). The grader's own output
(stdout) is never shown to students.

``python -m grader.apps.gradescope --run [--root DIR]`` is what the package's
``run_autograder`` script calls (it runs ``run_autograder`` here); ``DIR``
(default ``/autograder``) lets a test lay out Gradescope's folders anywhere.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import tempfile
import time
import tomllib
import zipfile
from pathlib import Path

from . import escaping
from .text import LANGS, Text
from .spec import MODULES, NETWORKS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(__file__).resolve().parent
TEMPLATES = PACKAGE / "templates"
GRADING_REQUIREMENTS = ("torch", "torchvision", "hypothesis", "pytest")   # the hidden checks are pytest tests
VISIBLE_KINDS = ("shapes", "params")           # what the students' own visible tests check too
FEEDBACK = ("brief", "full", "none")
VISIBILITY = ("visible", "after_due_date", "after_published", "hidden")
DATA_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
              "t10k-labels-idx1-ubyte")


class PackageError(Exception):
    pass


# -- what students may see ------------------------------------------------------------------

def printed_section(message: Text) -> Text:
    """The part of a message that shows what the student's code printed ("--- x.py printed ..."), or nothing."""
    for i, part in enumerate(message.parts):
        if not part.said and part.en.startswith("--- ") and "printed" in part.en:
            return Text(message.parts[i:])
    return Text()


def brief(message: Text) -> Text:
    """A message as a hidden check's brief feedback: its headline (its first sentence that is not a detail),
    what the student's own code raised and where (``at FILE line N``), and what the student's code printed.
    Nothing else: no expected / found / hint details, no "also" or "the mistake" parts, nothing that names
    what the book's network has there."""
    printed = printed_section(message)
    own = message.parts[:len(message.parts) - len(printed.parts)]
    kept = [next((p for p in own if p.said and not p.en.startswith(" ")), None)]
    kept += [p for p in own if not p.said and any(line.lstrip().startswith("at ") for line in p.en.split("\n"))]
    return Text(tuple(p for p in kept if p is not None)) + printed


def same_mistake(first: str, first_zh: str, message: Text) -> Text:
    """A check that repeats a mistake charged elsewhere, briefly: which check reports it, not what it is."""
    return Text.say(f"the same mistake as in '{first}', reported there.",
                    f"与“{first_zh or first}”中的错误相同，已在那里报告。") + printed_section(message)


def student_view(result, feedback: str, visibility: str, lang: str = "both", titles: dict | None = None) -> dict:
    """One Gradescope test (a ``Result``) as students may see it, in ``lang``. The checks the visible tests
    also make keep everything; the hidden ones keep, with ``brief``, the headline, the student's line and
    what the student's code printed (``brief``), with ``none`` nothing but pass/fail and points. Neither
    keeps the mistake's gist in ``extra_data`` ("padding 0 instead of 2": the book's value). ``titles``:
    the Chinese names of the checks, by English name (for a repeat's "the same mistake as in ...")."""
    test = result.gradescope(lang)
    if result.kind in VISIBLE_KINDS:
        test["visibility"] = "visible"
        return test
    test["visibility"] = visibility
    if feedback == "full":
        return test
    extra = dict(test.get("extra_data") or {})
    if feedback == "brief":
        shown = same_mistake(result.same_as, (titles or {}).get(result.same_as, ""), result.output) \
            if result.same_as else brief(result.output)
        test["output"] = shown.show(lang)
    else:
        test["output"] = ""
    extra.pop("cause", None)
    if feedback == "none":
        extra.pop("same_as", None)
    if extra:
        test["extra_data"] = extra
    else:
        test.pop("extra_data", None)
    return test


def visible_summary(tests: list[dict], visibility: str, lang: str = "both") -> str:
    """The always-visible top-level output's score line while hidden checks are not shown: only the
    visible checks' points (the others' would tell the hidden checks' result before their time)."""
    shown = [t for t in tests if t.get("visibility") == "visible"]
    got, out_of = sum(t.get("score", 0) for t in shown), sum(t.get("max_score", 0) for t in shown)
    when = {"after_due_date": "after the due date", "after_published": "when the grades are published",
            "hidden": "only to the instructor"}.get(visibility, visibility)
    return Text.say(f"Visible checks: {round(got, 4):g} / {round(out_of, 4):g}. "
                    f"The other checks and the total are shown {when}.",
                    f"可见检查：{round(got, 4):g} / {round(out_of, 4):g}。其余检查和总分稍后公布。").show(lang)


# -- the reference's observations, computed once ---------------------------------------------

def kit_fingerprint(kit: Path) -> str:
    digest = hashlib.sha256()
    for folder in ("grader", "solutions"):
        for path in sorted((kit / folder).glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def torch_release() -> str:
    from .reference_cache import torch_release as release
    return release()


def dump_reference_cache(path: Path, modules, limits) -> bool:
    """Grade the solutions once (no training) and save what the reference was asked: JSON."""
    from . import grade
    report = grade.grade_submission(ROOT / "solutions", modules, train=False, limits=limits)
    if abs(report.score - report.max_score) > 1e-6:          # sums of fractional points
        raise PackageError(f"the reference solutions get {report.score:g} / {report.max_score:g}, not full marks: "
                           "the grader is broken here, so the package would be too")
    references = getattr(grade, "REFERENCES", None)
    if not isinstance(references, dict):
        return False
    from .reference_cache import entries as saved
    entries = {}
    for module, observer in references.items():
        cache = getattr(observer, "cache", None)
        if isinstance(cache, dict):
            entries[module] = saved(cache)       # the format of grade's on-disk cache (reference_cache.py)
    path.write_text(json.dumps({"fingerprint": kit_fingerprint(ROOT), "torch": torch_release(),
                                "modules": entries}), encoding="utf-8")
    return True


def load_reference_cache(path: Path, kit: Path, limits) -> str:
    """Fill the grader's reference observers from ``path``; returns what happened (for the log)."""
    if not path.is_file():
        return "no reference cache"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return f"reference cache unreadable ({error})"
    if data.get("fingerprint") != kit_fingerprint(kit) or data.get("torch") != torch_release():
        return "reference cache is for another grader or torch: not used"
    from . import grade
    from .reference_cache import fill
    loaded = 0
    for module, entries in data.get("modules", {}).items():
        if module not in NETWORKS:
            continue
        loaded += fill(grade.reference_for(module, limits).cache, entries)
    return f"reference cache: {loaded} observations"


# -- building the package ---------------------------------------------------------------------

def pins(names) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = {}
    for dependency in project["dependencies"]:
        name = dependency.split("==")[0].split(">")[0].split("<")[0].strip().lower()
        found[name] = dependency
    missing = [n for n in names if n not in found]
    if missing:
        raise PackageError(f"pyproject.toml pins no version of {', '.join(missing)}")
    return [found[n] for n in names]


def setup_values(train: bool) -> dict[str, str]:
    """What setup.sh's template is filled with: the torch pins (installed from the CPU index only), the
    files of kit/grader the student's process reads (left readable when the rest is closed), training."""
    from .sandbox.paths import EXPOSED_GRADER_FILES
    requirements = pins(GRADING_REQUIREMENTS)
    return {"torch_pins": " ".join(r for r in requirements if r.split("==")[0] in ("torch", "torchvision")),
            "exposed_files": " ".join(EXPOSED_GRADER_FILES), "train": "1" if train else "0"}


def render(template: str, **values) -> str:
    for key, value in values.items():
        template = template.replace("{" + key + "}", str(value))
    return template


def data_files() -> list[Path]:
    """The four Fashion-MNIST files, where the grader's data module finds them (no download)."""
    try:
        from .data import locate
        directory, _ = locate(download=False)
    except Exception:
        return []
    files = []
    for stem in DATA_FILES:
        candidates = [directory / f"{stem}.gz", directory / stem]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            return []
        files.append(found)
    return files


def add(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
    archive.writestr(info, data)


def build_package(out: Path, train: bool, modules, feedback: str, visibility: str, timeout: float,
                  train_timeout: float, memory: int, warm: bool = True, include_data: bool = True,
                  lang: str = "both") -> list[str]:
    """Write the autograder zip; returns the names it holds."""
    from .sandbox import Limits
    requirements = pins(GRADING_REQUIREMENTS)
    config = {"train": train, "modules": list(modules), "hidden_feedback": feedback,
              "hidden_visibility": visibility, "timeout": timeout, "train_timeout": train_timeout,
              "memory": memory, "lang": lang}
    names = []
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch, zipfile.ZipFile(out, "w") as archive:
        def put(name, data, executable=False):
            add(archive, name, data, executable)
            names.append(name)
        put("setup.sh", render((TEMPLATES / "gradescope_setup.sh").read_text(encoding="utf-8"),
                               **setup_values(train)).encode(), True)
        put("run_autograder", (TEMPLATES / "gradescope_run_autograder").read_bytes(), True)
        put("kit/pyproject.toml", (ROOT / "pyproject.toml").read_bytes())
        put("kit/requirements.txt", "".join(f"{r}\n" for r in requirements).encode())
        put("kit/autograder.json", json.dumps(config, indent=1).encode())
        for path in sorted(PACKAGE.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                put(f"kit/grader/{path.relative_to(PACKAGE).as_posix()}", path.read_bytes())
        for path in sorted((ROOT / "solutions").glob("*.py")):
            put(f"kit/solutions/{path.name}", path.read_bytes())
        if warm:
            cache = Path(scratch) / "reference_cache.json"
            if dump_reference_cache(cache, modules, Limits(timeout, memory)):
                put("kit/reference_cache.json", cache.read_bytes())
        if train and include_data:
            for path in data_files():
                put(f"kit/data/fashion-mnist/{path.name}", path.read_bytes())
    return names


# -- running on Gradescope ----------------------------------------------------------------------

def find_submission(submission: Path, modules, scratch: Path) -> tuple[dict[str, Path], list[Text]]:
    """The module files in Gradescope's submission folder (uploaded loose, in folders, or as a zip)."""
    from .batch import ZipRejected, find_modules, shown_path, unpack_zip
    found, notes = find_modules(submission, modules)
    if not found:
        archives = sorted(submission.glob("*.zip"))
        if len(archives) == 1:
            name = escaping.name(archives[0].name)
            try:
                found, notes, _ = unpack_zip(archives[0], scratch / "unzipped", modules)
                notes.insert(0, Text.say(f"graded the files inside {name}", f"评分的是 {name} 中的文件"))
            except ZipRejected as error:
                notes = [Text.say(f"{name} was rejected: {error}", f"{name} 被拒绝：{error.zh or error}")]
    for module, path in found.items():
        if path.parent != submission:
            try:
                shown = shown_path(path.relative_to(submission).parts)
            except ValueError:
                shown = escaping.name(path.name)
            notes.append(Text.say(f"{module}.py: graded {shown}", f"{module}.py：评分的是 {shown}"))
    return found, notes


def run_autograder(root: Path) -> int:
    """Grade ``root/submission`` as ``root/source/kit/autograder.json`` says; write ``root/results/results.json``."""
    from . import grade
    from .sandbox import Limits
    started = time.monotonic()
    kit = Path(__file__).resolve().parent.parent
    config_path = kit / "autograder.json"
    config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.is_file() else {}
    modules = tuple(config.get("modules", MODULES))
    train = bool(config.get("train", True))
    feedback = config.get("hidden_feedback", "brief")
    visibility = config.get("hidden_visibility", "visible")
    lang = config.get("lang", "both") if config.get("lang", "both") in LANGS else "both"
    limits = Limits(float(config.get("timeout", 60.0)), int(config.get("memory", 3072)))
    train_limits = Limits(float(config.get("train_timeout", 300.0)), int(config.get("memory", 3072)))
    device = grade.resolve_device("auto") if train else "cpu"
    print(load_reference_cache(kit / "reference_cache.json", kit, limits))

    submission, results_dir = root / "submission", root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    report = grade.GradeReport("submission", maximum=grade.maximum(modules, train, device))   # one total for all
    with tempfile.TemporaryDirectory(prefix="gradescope-") as scratch:
        empty = Path(scratch) / "empty"
        empty.mkdir()
        found, notes = find_submission(submission, modules, Path(scratch)) if submission.is_dir() else ({}, [])
        rejected = [n for n in notes if " was rejected: " in n]
        try:
            for module in modules:
                folder = found[module].parent if module in found else empty
                graded = grade.grade_submission(folder, (module,), train=train, limits=limits,
                                                train_limits=train_limits, device=device)
                if rejected and module not in found:
                    for result in graded.results:
                        result.output = rejected[0] + result.output
                report.results += graded.results
        except grade.GraderBroken as error:
            print(f"run_autograder: the grader could not run: {error}", file=sys.stderr)
            return 3
    report.execution_time = time.monotonic() - started
    data = report.gradescope(lang)
    data.pop("max_score", None)          # Gradescope takes the maximum from the assignment's settings
    if notes:
        data["output"] += "\n" + "\n".join(note.show(lang) for note in notes)
    if feedback != "full":
        data["output"] += "\n" + Text.say(
            "Checks marked shapes/params are the ones your visible tests make; the other, hidden checks show "
            + ("only their headline, the line of your code that raised and what your code printed."
               if feedback == "brief" else "only pass or fail."),
            "标为 shapes/params 的检查与你的可见测试相同；其余隐藏检查只显示"
            + ("标题、你的代码出错的那一行和你的代码的输出。" if feedback == "brief" else "通过与否。")).show(lang)
    titles = {r.name: r.name_zh for r in report.results}
    data["tests"] = [student_view(r, feedback, visibility, lang, titles) for r in report.results if r.counted]
    if visibility != "visible":          # the score said "Score X / Y", hidden checks' points included
        score = report.score_text().show(lang)          # what ``GradeReport.gradescope`` wrote first
        rest = data["output"][len(score):] if data["output"].startswith(score) else "\n" + data["output"]
        data["output"] = visible_summary(data["tests"], visibility, lang) + rest
    data["visibility"] = "visible"
    data["stdout_visibility"] = "hidden"
    data["output_format"] = "text"
    data["test_output_format"] = "text"
    target = results_dir / "results.json"
    temporary = target.with_name("results.json.tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(temporary, target)
    print(f"graded {', '.join(modules)}: {data['score']:g} points in {report.execution_time:.1f} s")
    return 0


def assignment_settings(modules, train: bool, timeout: float, train_timeout: float) -> tuple[float, int]:
    """(the assignment's total, the autograder's longest run in seconds) for these options on a CPU: every
    network's checks within twice ``timeout`` (the student's code and the reference's), each training
    check within its budget, and two minutes for starting up."""
    from .grade import maximum, training_counts
    from .options import max_train_seconds
    trained = [m for m in modules if training_counts(m, train, "cpu")]
    seconds = 120 + sum(2 * timeout + 15 for _ in modules) + len(trained) * (max_train_seconds(train_timeout) + 30)
    return maximum(modules, train, "cpu"), int(seconds)
