"""The class: who the students are (``discover``) and what each one handed in (``prepare``)."""
from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .. import escaping
from ..text import Text
from .archives import ZipRejected, described, unpack_zip
from .discovery import MAX_SOURCE_BYTES, find_modules, shown_path

MAX_ID_BYTES = 120                     # a student's id (see student_id): a folder name holds 255 bytes


@dataclass
class Student:
    id: str
    source: Path                                   # the folder or the .zip
    files: dict[str, tuple[Path, str]] = field(default_factory=dict)   # module -> (folder to grade, key)
    shown: dict[str, str] = field(default_factory=dict)                # module -> path shown in reports
    notes: list[Text] = field(default_factory=list)
    rejected: str = ""                            # why the whole submission is refused
    rejected_zh: str = ""                         # the same in Chinese, where there is one
    fingerprint: str = ""
    started: float = 0.0


def file_key(module: str, path: Path, student: str) -> str:
    """Identical module files share one grading; a file we will not read ourselves gets its own."""
    try:
        info = path.lstat()
        if stat.S_ISREG(info.st_mode) and info.st_size <= MAX_SOURCE_BYTES:
            return f"{module}:{hashlib.sha256(path.read_bytes()).hexdigest()}"
    except OSError:
        pass
    return f"{module}:student:{student}"


def student_id(raw: str) -> str:
    """A student's id from the name of their folder or zip: inert, and short enough to name a folder
    (an escaped byte takes four characters) and a row; a long one keeps a digest of the whole name."""
    shown = escaping.name(raw)
    if len(shown.encode("utf-8")) <= MAX_ID_BYTES:
        return shown
    digest = hashlib.sha256(os.fsencode(raw)).hexdigest()[:12]
    return shown.encode("utf-8")[:MAX_ID_BYTES - 16].decode("utf-8", "ignore") + "..." + digest


def discover(submissions: Path) -> tuple[list[tuple[str, Path]], list[str]]:
    """(student id, folder or zip) for every student, and notes on what was left out.

    A student's id is the folder's or the zip's name made inert (``escaping.name``): it names the
    student's folder under ``students/``, a row of grades.csv and lines of the reports, so a name with a
    newline, a terminal escape or bytes that are not UTF-8 is shown escaped (and said so) and graded."""
    entries, notes, seen = [], [], {}
    for path in sorted(Path(submissions).iterdir()):
        if path.name.startswith("."):
            continue
        shown = escaping.name(path.name)
        if path.is_dir() and not path.is_symlink():
            raw = path.name
        elif path.suffix.lower() == ".zip" and path.is_file() and not path.is_symlink():
            raw = path.stem
        else:
            notes.append(f"left out {shown}: neither a student's folder nor a .zip"
                         + (" (a symbolic link)" if path.is_symlink() else ""))
            continue
        student = student_id(raw)
        if student in seen:
            if seen[student].is_dir() == path.is_dir():     # two names that show alike: the first stays
                notes.append(f"left out {shown}: its name shows as {student}, as "
                             f"{escaping.name(seen[student].name)} does; rename one of them")
                continue
            kept = seen[student] if seen[student].is_dir() else path
            notes.append(f"{student}: both {student}/ and {student}.zip; graded {escaping.name(kept.name)}")
            entries = [(s, p) for s, p in entries if s != student] + [(student, kept)]
            seen[student] = kept
            continue
        seen[student] = path
        entries.append((student, path))
    return sorted(entries), notes


def prepare(student_id: str, source: Path, modules, work: Path, empty: Path) -> Student:
    student = Student(student_id, source)
    digest = hashlib.sha256()
    try:
        if source.is_dir():
            found, student.notes = find_modules(source, modules)
            shown = {m: shown_path(p.relative_to(source).parts) for m, p in found.items()}
        else:
            digest.update(hashlib.sha256(source.read_bytes()).digest())
            found, student.notes, shown = unpack_zip(source, work / student_id, modules)
    except ZipRejected as error:
        student.rejected, student.rejected_zh = f"{escaping.name(source.name)} was rejected: {error}", error.zh
        found, shown = {}, {}
    except Exception as error:          # whatever else one submission does, it costs that student only
        detail = described(error)
        student.rejected = f"{escaping.name(source.name)} was rejected: it could not be read ({detail})"
        student.rejected_zh = f"无法读取提交的 {escaping.name(source.name)}（{detail}）。"
        student.notes, found, shown = [], {}, {}
    if escaping.name(source.name) != source.name:
        student.notes.insert(0, Text.say(
            f"the name {escaping.name(source.name)} holds characters that cannot be shown as they are (control "
            "characters, or bytes that are not UTF-8): it is shown escaped, as here; rename it",
            f"文件名 {escaping.name(source.name)} 含有无法原样显示的字符（控制字符或非 UTF-8 字节），"
            "此处以转义形式显示；请重命名。"))
    for module in modules:
        if module in found:
            path = found[module]
            key = file_key(module, path, student_id)
            student.files[module] = (path.parent, key)
            student.shown[module] = shown[module]
        else:
            key = f"{module}:missing"
            student.files[module] = (empty, key)
        digest.update(key.encode())
        if key.split(":")[1] == "student":
            try:
                info = found[module].lstat()
                digest.update(f"{info.st_size}:{info.st_mtime_ns}".encode())
            except OSError:
                pass
    digest.update(student.rejected.encode())
    student.fingerprint = digest.hexdigest()
    return student
