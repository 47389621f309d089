"""A submitted notebook, read whatever it holds, and rebuilt on the instructor's version.

nbgrader trusts a submitted notebook's structure: its cells' nbgrader
metadata (schema version, ids, tags), their order and types. One notebook
with metadata of another schema version stops ``nbgrader autograde`` for
the whole class; a duplicated cell fails it with ``KeyError``; invalid JSON
fails before any preprocessor runs. The kit therefore takes only *text*
from a submission: the source of each answer cell, found by its id.

- ``KitNotebookExporter`` (``c.Autograde.exporter_class``) reads any file:
  JSON that is not a notebook, nbformat 3, a file too large, bytes that are
  not UTF-8. What it cannot read becomes an empty notebook that says why.
- ``RebuildFromSource`` (first of ``c.Autograde.sanitize_preprocessors``)
  replaces the notebook with the instructor's version (``source/``, the
  solutions cleared as nbgrader's ``ClearSolutions`` clears them for the
  release): every cell, its id, order, type and whole metadata are the
  instructor's; each answer cell gets the text of the submitted cell with
  its id (the last one, where a cell was copied); the student's own cells
  (scratch space) keep their place, without metadata. A note cell at the
  top says what was not as expected.
"""
from __future__ import annotations

import copy
import json
import os
import stat

from .regrade import nbgrader_meta

MAX_NOTEBOOK_BYTES = 32 << 20        # a course notebook with outputs is well under 1 MB
MAX_SCRATCH_CELLS = 200
MAX_CELL_CHARS = 200_000
UNREADABLE_KEY = "d2l-cnn-kit-unreadable"


# -- reading ------------------------------------------------------------------------------------

def text_of(source) -> str:
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def plain_cells(data) -> list[dict]:
    """The cells of a parsed notebook (nbformat 4, or 3's worksheets) as plain dicts with a text
    source and the cell's nbgrader metadata; anything malformed is left out."""
    if not isinstance(data, dict):
        raise ValueError("the file holds JSON but not a notebook (no 'cells')")
    if isinstance(data.get("cells"), list):
        raw = data["cells"]
    elif isinstance(data.get("worksheets"), list):               # nbformat 3
        raw = [c for w in data["worksheets"] if isinstance(w, dict) and isinstance(w.get("cells"), list)
               for c in w["cells"]]
    else:
        raise ValueError("the file holds JSON but not a notebook (no 'cells')")
    cells = []
    for cell in raw:
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw", "heading"):
            continue
        source = text_of(cell.get("source", cell.get("input", "")))[:MAX_CELL_CHARS]
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        nbgrader = metadata.get("nbgrader") if isinstance(metadata.get("nbgrader"), dict) else {}
        kind = "markdown" if cell["cell_type"] == "heading" else cell["cell_type"]
        cells.append({"cell_type": kind, "source": source,
                      "grade_id": nbgrader.get("grade_id") if isinstance(nbgrader.get("grade_id"), str) else None})
    return cells


def read_leniently(raw: bytes) -> tuple[list[dict] | None, str]:
    """(cells, "") or (None, why the file cannot be read)."""
    if len(raw) > MAX_NOTEBOOK_BYTES:
        return None, f"the file is {len(raw) / 2**20:.0f} MB, more than {MAX_NOTEBOOK_BYTES >> 20} MB"
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        return None, f"the file is not UTF-8 text ({error.reason} at byte {error.start})"
    except ValueError as error:
        return None, f"the file is not valid JSON ({error})"
    except RecursionError:
        return None, "the file's JSON is nested too deeply"
    try:
        return plain_cells(data), ""
    except ValueError as error:
        return None, str(error)


def read_file(path: str) -> tuple[bytes, str]:
    """(bytes, "") or (b"", why not): a regular file only, never through a symbolic link (a link
    handed in as a notebook could point at the instructor's ``source/``), at most the size cap."""
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            return b"", "it is a symbolic link, not a notebook"
        if not stat.S_ISREG(info.st_mode):
            return b"", "it is not a regular file"
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as handle:
            return handle.read(MAX_NOTEBOOK_BYTES + 1), ""
    except OSError as error:
        return b"", f"it could not be opened ({error.strerror})"


def exporter_class():
    import datetime

    import nbformat
    from nbconvert.exporters import NotebookExporter
    from nbconvert.exporters.exporter import ResourcesDict
    from nbformat.v4 import new_notebook

    class KitNotebookExporter(NotebookExporter):
        """nbgrader's notebook exporter, reading a submission with ``read_file`` and ``read_leniently``:
        what it finds travels in the notebook's metadata to ``RebuildFromSource``, which makes the
        real notebook."""

        def from_filename(self, filename, resources=None, **kw):
            resources = resources if resources is not None else ResourcesDict()
            if not resources.get("metadata"):
                resources["metadata"] = ResourcesDict()
            path, base = os.path.split(filename)
            resources["metadata"].update(name=os.path.splitext(base)[0], path=path, modified_date=
                                         datetime.datetime.now(datetime.timezone.utc).strftime("%B %d, %Y"))
            raw, why = read_file(filename)
            return self.from_bytes(raw, why, resources, **kw)

        def from_file(self, file_stream, resources=None, **kw):
            raw = file_stream.read(MAX_NOTEBOOK_BYTES + 1)
            return self.from_bytes(raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw,
                                   "", resources, **kw)

        def from_bytes(self, raw: bytes, why: str, resources, **kw):
            cells, why = (None, why) if why else read_leniently(raw)
            nb = None
            if not why and is_current(raw):
                try:
                    nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
                except Exception:            # noqa: BLE001  (any problem of the file: read it leniently instead)
                    nb = None
            if nb is None:
                nb = new_notebook()
            nb.metadata[UNREADABLE_KEY] = {"why": why, "cells": cells}
            return self.from_notebook_node(nb, resources, **kw)

    return KitNotebookExporter


def is_current(raw: bytes) -> bool:
    try:
        return json.loads(raw.decode("utf-8")).get("nbformat") == 4
    except (ValueError, AttributeError, RecursionError):
        return False


# -- rebuilding ---------------------------------------------------------------------------------

NOTE_TITLE = "**About your notebook / 关于你的笔记本**"


def rebuild(instructor, submitted_cells: list[dict] | None, why: str) -> tuple[object, list[str]]:
    """The instructor's version with the submission's answers; returns (notebook, notes for the student)."""
    from nbformat.v4 import new_code_cell, new_markdown_cell
    nb = copy.deepcopy(instructor)
    notes = []
    if submitted_cells is None:
        notes.append(f"Your notebook could not be read ({why}): it was graded as handed out, without your answers.\n"
                     f"无法读取你的笔记本（{why}）：按未作答的版本评分。")
        submitted_cells = []
    known = {nbgrader_meta(c).get("grade_id"): c for c in nb.cells if nbgrader_meta(c).get("grade_id")}
    answers = {gid for gid, c in known.items() if nbgrader_meta(c).get("solution")}
    found: dict[str, list[str]] = {}
    after: dict[str | None, list[dict]] = {}
    previous = None
    scratch = 0
    for cell in submitted_cells:
        gid = cell["grade_id"]
        if gid in known:
            if gid in answers:
                found.setdefault(gid, []).append(cell["source"])
            previous = gid
        elif cell["cell_type"] in ("code", "markdown") and scratch < MAX_SCRATCH_CELLS:
            after.setdefault(previous, []).append(cell)
            scratch += 1
    if scratch >= MAX_SCRATCH_CELLS:
        notes.append(f"Only your first {MAX_SCRATCH_CELLS} cells of your own were kept.\n"
                     f"只保留了你自己添加的前 {MAX_SCRATCH_CELLS} 个单元。")
    for gid, texts in sorted(found.items()):
        if len(texts) > 1:
            notes.append(f"The answer cell '{gid}' appears {len(texts)} times: the last one was graded.\n"
                         f"答题单元“{gid}”出现了 {len(texts)} 次：评分使用最后一个。")
    missing = sorted(answers - set(found))
    if missing and submitted_cells:
        notes.append(f"Answer cell(s) missing, graded as handed out: {', '.join(missing)}.\n"
                     f"缺少答题单元，按未作答评分：{', '.join(missing)}。")
    cells = [copy.deepcopy(c) for c in after.get(None, [])]
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in found:
            cell.source = found[gid][-1]
        cells.append(cell)
        for extra in after.get(gid, []) if gid else []:
            cells.append(extra)
    nb.cells = [c if hasattr(c, "metadata") else
                (new_code_cell(c["source"]) if c["cell_type"] == "code" else new_markdown_cell(c["source"]))
                for c in cells]
    if notes:
        nb.cells.insert(0, new_markdown_cell(NOTE_TITLE + "\n\n" + "\n\n".join(notes)))
    return nb, notes


def instructor_notebook(config, assignment: str, notebook: str):
    """``source/ASSIGNMENT/NOTEBOOK.ipynb`` with its solutions cleared (nbgrader's ``ClearSolutions``)."""
    import nbformat
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import ClearSolutions
    coursedir = CourseDirectory(config=config)
    path = os.path.join(coursedir.format_path(coursedir.source_directory, ".", assignment), f"{notebook}.ipynb")
    nb = nbformat.read(path, as_version=4)
    nb, _ = ClearSolutions(config=config).preprocess(nb, {})
    return nb


def rebuild_class():
    from nbgrader.preprocessors import NbGraderPreprocessor

    class RebuildFromSource(NbGraderPreprocessor):
        """Replace the submitted notebook with the instructor's version holding the student's answers."""

        def preprocess(self, nb, resources):
            found = nb.metadata.pop(UNREADABLE_KEY, None) or {"why": "", "cells": None}
            info = resources["nbgrader"]
            instructor = instructor_notebook(self.config, info["assignment"], info["notebook"])
            rebuilt, notes = rebuild(instructor, found["cells"], found["why"])
            for note in notes:
                self.log.warning("%s/%s: %s", info["student"], info["notebook"], note.splitlines()[0])
            return rebuilt, resources

    return RebuildFromSource


def __getattr__(name):
    """The nbgrader classes are made on first use: importing this module needs neither nbgrader nor nbconvert."""
    makers = {"KitNotebookExporter": exporter_class, "RebuildFromSource": rebuild_class}
    if name in makers:
        globals()[name] = makers[name]()
        return globals()[name]
    raise AttributeError(name)


# -- the submission's folder --------------------------------------------------------------------

def repair_timestamp(assignment=None, student=None, notebooks=()) -> None:
    """``c.Autograde.pre_convert_hook``: a ``timestamp.txt`` nbgrader cannot parse makes it fail that
    student (``CourseDirectory`` has no ``fail``). The unreadable file is kept beside as
    ``timestamp.txt.unreadable`` and replaced by its own modification time, which is when it was
    collected: the submission is graded, late or not by that time."""
    from traitlets.config import Application
    from nbgrader.utils import parse_utc
    log = Application.instance().log if Application.initialized() else None
    for folder in sorted({os.path.dirname(os.path.abspath(n)) for n in notebooks}):
        path = os.path.join(folder, "timestamp.txt")
        if not os.path.isfile(path) or os.path.islink(path):
            continue
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read(200).strip()
            if not text:
                continue
            parse_utc(text)
        except (ValueError, OverflowError, OSError):
            import datetime
            collected = datetime.datetime.fromtimestamp(os.path.getmtime(path), datetime.timezone.utc)
            os.replace(path, path + ".unreadable")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(collected.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
            if log:
                log.warning("%s could not be read: kept as timestamp.txt.unreadable, the submission "
                            "is dated by the file's time, %s", path, collected)
