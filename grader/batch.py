"""``python -m grader batch SUBMISSIONS --out DIR``: grade a whole class.

``SUBMISSIONS`` holds one folder or one ``.zip`` per student, named by the
student's id. The module files may sit at the top or deeper (a zipped
``exercises/`` folder, a whole bundle): see ``choose``. For every student
``DIR/students/ID/`` receives ``results.json`` (Gradescope's format, as
``grade --json`` writes it), ``report.txt`` and ``batch.json`` (what was
graded, with which options); ``DIR`` receives ``grades.csv`` (student, total,
points per network), ``summary.txt`` and ``class.html`` (``class_report``: the
totals, and the causes that cost the class the most points: the mistakes
worth a lecture).

Speed. Grading is deterministic, so a module file is graded once per batch
however many students hand it in (the untouched stubs, copies of the same
code): the unit of work is one distinct (module, file content) pair. ``--jobs``
worker processes, forked once, each keep a warm torch, the reference's
observations and the grader's caches for the whole batch; they take the
distinct files in the order the students need them, so students finish one
after another and the progress bar can tell the time left.

Robustness. A student's file that hangs, crashes or floods memory costs that
student the checks of that network (the sandbox's limits); a worker that
dies or overruns its watchdog is killed with its sandboxes and replaced, and
the file is reported as not graded (``status: error`` in ``grades.csv``, graded
again on the next run). Zip archives are checked before anything is
extracted: path traversal, absolute paths, links, special files, encrypted
members, compression methods zipfile cannot read and zip bombs reject that
student's archive with a clear message; so does any other error while
reading a submission (a damaged member, a CRC mismatch): one student's bad
archive never stops the class.
A rerun skips every student whose submission and options are unchanged,
unless ``--force``. Only an error of the grader itself (``GraderBroken``)
stops the batch; what was graded stays written.
"""
from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
import re
import signal
import stat
import sys
import tempfile
import time
import traceback
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import escaping, threads
from .report import has_chinese
from .options import add_grading_options, max_train_seconds, readable_folder, selected_modules
from .progress import progress_bar
from .spec import MODULES, NETWORKS

MAX_SOURCE_BYTES = 1_000_000          # the sandbox refuses bigger module files; so do we
SKIP_DIRS = {"__MACOSX", "__pycache__", ".venv", "venv", "env", "site-packages", "node_modules", ".git"}
MAX_DEPTH = 6                          # how deep a module file may sit in a submission
MAX_ID_BYTES = 120                     # a student's id (see student_id): a folder name holds 255 bytes

# Zip archives: what an honest submission never needs.
ZIP_MAX_MEMBERS = 10_000
ZIP_MAX_TOTAL = 1 << 30                # 1 GiB declared, uncompressed
ZIP_MAX_RATIO = 200                    # uncompressed / compressed, for anything bigger than ZIP_RATIO_FLOOR
ZIP_RATIO_FLOOR = 10 << 20


def readable_methods() -> dict[int, str]:
    """The compression methods this Python's zipfile can read (stored and deflate always)."""
    methods = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
    for method, module, name in ((zipfile.ZIP_BZIP2, "bz2", "bzip2"), (zipfile.ZIP_LZMA, "lzma", "LZMA")):
        try:
            __import__(module)
        except ImportError:
            continue
        methods[method] = name
    return methods


ZIP_METHODS = readable_methods()
ZIP_METHOD_NAMES = {1: "Shrink", 2: "Reduce", 3: "Reduce", 4: "Reduce", 5: "Reduce", 6: "Implode",
                    9: "Deflate64", 10: "PKWARE Implode", 12: "bzip2", 14: "LZMA", 18: "IBM TERSE",
                    19: "IBM LZ77", 20: "Zstandard", 93: "Zstandard", 94: "MP3", 95: "XZ", 96: "JPEG",
                    97: "WavPack", 98: "PPMd", 99: "WinZip AES encryption"}

MAX_JOBS = 16                          # parallel grading processes, at most (each also needs memory)
MEMORY_PER_JOB_MB = 2048               # a grading process at its peak: itself, the zygote, a student's child
                                       # and the reference's (docs/instructors/gradescope.md: about 1.5 GB)

STUB_MARK = "is not implemented yet"   # the stubs' message (grader/stubgen.py)
MISSING_MARK = "is missing from the submission"   # the sandbox's message for a missing file


# -- finding a student's files ---------------------------------------------------------------

def rank(parts: tuple[str, ...]) -> tuple:
    """Which of several copies of a module to grade: the shallowest, an ``exercises/`` one first."""
    return (len(parts), 0 if len(parts) > 1 and parts[-2] == "exercises" else 1, parts)


def ignored(parts: tuple[str, ...]) -> bool:
    return any(p in SKIP_DIRS or p.startswith(".") for p in parts[:-1]) or parts[-1].startswith("._")


def choose(paths: list[tuple[str, ...]], modules) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """For each module, the path (as parts) to grade among ``paths``, and notes on the choices."""
    chosen, notes = {}, []
    for module in modules:
        candidates = sorted((p for p in paths if p[-1] == f"{module}.py" and len(p) <= MAX_DEPTH
                             and not ignored(p)), key=rank)
        if candidates:
            chosen[module] = candidates[0]
            if len(candidates) > 1:
                notes.append(f"several {module}.py ({', '.join(shown_path(c) for c in candidates[:4])}): "
                             f"graded {shown_path(candidates[0])}")
    return chosen, notes


def find_modules(folder: Path, modules=MODULES) -> tuple[dict[str, Path], list[str]]:
    """The module files of a submission folder, wherever they sit (links are not followed)."""
    folder = Path(folder)
    paths = []
    for directory, dirs, files in os.walk(folder, followlinks=False):
        rel = Path(directory).relative_to(folder).parts
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")
                         and len(rel) + 1 < MAX_DEPTH)
        paths += [rel + (name,) for name in files if name.endswith(".py")]
    chosen, notes = choose(paths, modules)
    return {m: folder.joinpath(*parts) for m, parts in chosen.items()}, notes


class ZipRejected(Exception):
    """The archive is refused as a whole; the message says why, for the student and the teacher.

    ``str(error)`` is the English reason; ``error.zh`` the same in Chinese where there is one
    (the generic ``ZH_REJECTED`` follows it either way).
    """

    def __init__(self, message: str, zh: str = ""):
        super().__init__(message)
        self.zh = zh


def quoted(text, limit: int = 120) -> str:
    """Text from an archive (a member's name, an error that quotes one) made safe to show: escaped, capped."""
    text = f"'{escaping.name(text)}'"
    return text if len(text) <= limit else text[:limit - 4] + "...'"


def plain(text, limit: int = 200) -> str:
    """An error message, which may quote the archive's names: control characters escaped, capped."""
    text = escaping.inert(text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def shown_path(parts) -> str:
    """A path inside a submission (its parts: names the student chose), as one inert line."""
    return "/".join(escaping.name(part) for part in parts)


def described(error: BaseException) -> str:
    """``zlib.error: Error -3 ...``: the exception's type (with its module unless built in) and its message."""
    kind = type(error)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    return f"{name}: {plain(error)}" if str(error) else name


def unreadable(member: str | None, error: Exception) -> ZipRejected:
    """The rejection for an archive that passed every check but still failed to unpack (``member``: where)."""
    what = f"{quoted(member)} in the zip" if member else "the zip"
    where = f"压缩包中的 {quoted(member)} " if member else "压缩包"
    detail = described(error)
    if isinstance(error, zipfile.BadZipFile) and str(error).startswith("Bad CRC-32"):
        return ZipRejected(f"{what} is damaged: its CRC-32 checksum does not match its contents ({detail}); "
                           "the zip was corrupted while it was written or uploaded: zip your files again",
                           f"{where}已损坏：CRC-32 校验和与内容不符（压缩包在打包或上传时损坏）。请重新打包。")
    if isinstance(error, (zipfile.BadZipFile, zlib.error, EOFError)):
        return ZipRejected(f"{what} is damaged and could not be unpacked ({detail}): zip your files again",
                           f"{where}已损坏，无法解压（{detail}）。请重新打包。")
    if isinstance(error, NotImplementedError):
        return ZipRejected(f"{what} uses a compression method the grader does not read ({detail}): zip it "
                           "again with ordinary (deflate) compression",
                           f"{where}使用了评分程序无法读取的压缩方法（{detail}）。"
                           "请用普通（deflate）压缩方式重新打包。")
    return ZipRejected(f"{what} could not be unpacked ({detail}): zip your files again",
                       f"无法解压{where.rstrip()}（{detail}）。请重新打包。")


def member_parts(info: zipfile.ZipInfo) -> tuple[str, ...]:
    """The member's path as parts; raises ZipRejected for absolute paths, traversal and links."""
    name = info.filename
    if "\0" in name:
        raise ZipRejected(f"member {quoted(name)} has a NUL byte in its name")
    posix = name.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        raise ZipRejected(f"member {quoted(name)} has an absolute path")
    parts = tuple(p for p in PurePosixPath(posix).parts if p not in ("", "."))
    if ".." in parts:
        raise ZipRejected(f"member {quoted(name)} leaves the archive's folder (path traversal)")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise ZipRejected(f"member {quoted(name)} is a symbolic link")
    if mode and stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise ZipRejected(f"member {quoted(name)} is a special file (device, pipe or socket)")
    return parts


def check_method(info: zipfile.ZipInfo) -> None:
    """Raises ZipRejected for an encrypted member or one whose compression method zipfile cannot read."""
    if info.flag_bits & 0x1:
        raise ZipRejected(f"member {quoted(info.filename)} is encrypted (password-protected)",
                          f"压缩包中的 {quoted(info.filename)} 已加密（设置了密码）。请不加密码重新打包。")
    method = info.compress_type
    if method not in ZIP_METHODS:
        name = f"{method}" + (f" ({ZIP_METHOD_NAMES[method]})" if method in ZIP_METHOD_NAMES else "")
        raise ZipRejected(f"{quoted(info.filename)} in the zip uses compression method {name}, which the "
                          "grader does not read; zip it again with ordinary (deflate) compression",
                          f"压缩包中的 {quoted(info.filename)} 使用了压缩方法 {name}，评分程序无法读取。"
                          "请用普通（deflate）压缩方式重新打包。")


def unpack_zip(archive: Path, dest: Path, modules=MODULES) -> tuple[dict[str, Path], list[str], dict[str, str]]:
    """Check the whole archive, then extract only the module files to grade into ``dest`` (flat).

    Returns (module -> extracted file, notes, module -> member name). Raises ZipRejected, for the
    checks and for any error while reading the archive (a damaged member, a CRC mismatch...):
    one student's bad archive never stops the batch.
    """
    try:
        handle = zipfile.ZipFile(archive)
    except Exception as error:      # not a zip, truncated, a name that is not UTF-8...
        raise ZipRejected(f"not a readable zip archive ({described(error)})",
                          f"不是可读取的 zip 压缩包（{described(error)}）。") from None
    with handle:
        return checked_unpack(handle, archive, dest, modules)


def checked_unpack(handle: zipfile.ZipFile, archive: Path, dest: Path, modules):
    member = None                  # the member being read, for the message if reading it fails
    try:
        infos = handle.infolist()
        if len(infos) > ZIP_MAX_MEMBERS:
            raise ZipRejected(f"{len(infos):,} members (limit {ZIP_MAX_MEMBERS:,}): a zip bomb, or far more "
                              "than your code")
        total = sum(i.file_size for i in infos)
        packed = max(1, Path(archive).stat().st_size)
        if total > ZIP_MAX_TOTAL or (total > ZIP_RATIO_FLOOR and total / packed > ZIP_MAX_RATIO):
            raise ZipRejected(f"it would unpack to {total / 2**20:,.0f} MB from {packed / 2**20:,.1f} MB "
                              f"(limits {ZIP_MAX_TOTAL >> 20:,} MB, ratio {ZIP_MAX_RATIO}): a zip bomb, or "
                              "more than your code (a virtual environment, data sets?)")
        files = {}
        for info in infos:
            parts = member_parts(info)
            check_method(info)
            if parts and not info.is_dir():
                files[parts] = info
        chosen, notes = choose(list(files), modules)
        contents = {}
        for module, parts in chosen.items():
            info = files[parts]
            if info.file_size > MAX_SOURCE_BYTES:
                raise ZipRejected(f"{quoted('/'.join(parts))} is {info.file_size:,} bytes "
                                  f"(limit {MAX_SOURCE_BYTES:,})")
            member = info.filename
            with handle.open(info) as source:
                data = source.read(MAX_SOURCE_BYTES + 1)   # never more than that, whatever the header says;
                                                           # to the member's end, so its CRC is checked
                if len(data) > MAX_SOURCE_BYTES:
                    raise ZipRejected(f"{quoted('/'.join(parts))} unpacks to more than {MAX_SOURCE_BYTES:,} bytes")
            contents[module] = data
            member = None
    except ZipRejected:
        raise
    except Exception as error:      # anything else the archive does to zipfile: that student's problem
        raise unreadable(member, error) from error
    dest.mkdir(parents=True, exist_ok=True)         # a failure from here on is the grading machine's
    extracted, members = {}, {}
    for module, data in contents.items():
        target = dest / f"{module}.py"
        target.write_bytes(data)
        extracted[module], members[module] = target, shown_path(chosen[module])
    return extracted, notes, members


# -- the class -------------------------------------------------------------------------------

@dataclass
class Student:
    id: str
    source: Path                                   # the folder or the .zip
    files: dict[str, tuple[Path, str]] = field(default_factory=dict)   # module -> (folder to grade, key)
    shown: dict[str, str] = field(default_factory=dict)                # module -> path shown in reports
    notes: list[str] = field(default_factory=list)
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
        student.notes.insert(0, f"the name {escaping.name(source.name)} holds characters that cannot be shown as "
                             "they are (control characters, or bytes that are not UTF-8): it is shown escaped, "
                             "as here; rename it")
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


# -- workers ---------------------------------------------------------------------------------

@dataclass
class Options:
    modules: tuple[str, ...]
    train: bool
    device: str
    timeout: float
    train_timeout: float
    memory: int
    lang: str = "en"
    watchdog_s: float | None = None     # default: see watchdog()

    def key(self) -> dict:
        return {"modules": list(self.modules), "train": self.train, "device": self.device,
                "timeout": self.timeout, "train_timeout": self.train_timeout, "memory": self.memory}

    def watchdog(self) -> float:
        """Seconds after which a worker busy with one file is presumed stuck (the sandbox has its own limits)."""
        if self.watchdog_s is not None:
            return self.watchdog_s
        return 3 * self.timeout + (2 * max_train_seconds(self.train_timeout) if self.train else 0) + 120


def worker(connection, options: Options) -> None:
    """A grading process: warm torch and caches, one file after another, until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from . import grade
    from .sandbox import Limits
    limits = Limits(options.timeout, options.memory)
    train_limits = Limits(options.train_timeout, options.memory)
    try:
        while True:
            message = connection.recv()
            if message[0] == "quit":
                break
            _, task, module, folder = message
            started = time.monotonic()
            try:
                report = grade.grade_submission(Path(folder), (module,), train=options.train, limits=limits,
                                                train_limits=train_limits, device=options.device)
            except grade.GraderBroken as error:
                connection.send(("broken", task, str(error)))
                continue
            except Exception as error:       # a grader bug costs this file, not the batch
                connection.send(("error", task, f"{type(error).__name__}: {error}\n{traceback.format_exc()}"))
                continue
            connection.send(("graded", task, [dataclasses.asdict(r) for r in report.results],
                             report.printed.get(module, ""), time.monotonic() - started))
    except (EOFError, OSError, KeyboardInterrupt):
        pass
    finally:
        for observer in list(getattr(grade, "REFERENCES", {}).values()):
            try:
                observer.close()
            except Exception:
                pass


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (its sandboxes and the helpers that fork them), by parent pid."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as status:
                    fields = status.read().rsplit(b")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(pid: int) -> None:
    """Kill a worker and everything below it: sandboxes run in sessions of their own, so
    they are found by parent pid (collected before anyone dies and is re-parented)."""
    below = descendants(pid)
    for victim in [pid] + below:
        try:
            os.kill(victim, signal.SIGKILL)
        except OSError:
            pass
    for victim in below:          # a sandbox leads its own session: whatever it started too
        try:
            os.killpg(victim, signal.SIGKILL)
        except OSError:
            pass


class Pool:
    """``jobs`` forked workers; each gets one file at a time."""

    def __init__(self, jobs: int, options: Options):
        import multiprocessing
        self.context = multiprocessing.get_context("fork")
        self.options, self.workers = options, []
        for _ in range(jobs):
            self.workers.append(self.spawn())

    def spawn(self) -> dict:
        # (each sandbox reserves an unprivileged uid of its own, so workers never share one)
        parent_end, child_end = self.context.Pipe()
        process = self.context.Process(target=worker, args=(child_end, self.options), daemon=True)
        process.start()
        child_end.close()
        return {"process": process, "connection": parent_end, "task": None, "since": 0.0}

    def replace(self, index: int) -> None:
        old = self.workers[index]
        kill_tree(old["process"].pid)
        old["process"].join(5)
        old["connection"].close()
        self.workers[index] = self.spawn()

    def close(self, kill: bool = False) -> None:
        for w in self.workers:
            if kill:
                kill_tree(w["process"].pid)
            else:
                try:
                    w["connection"].send(("quit",))
                except OSError:
                    pass
        for w in self.workers:
            w["process"].join(10)
            if w["process"].is_alive():
                kill_tree(w["process"].pid)
                w["process"].join(5)


# -- how many at once -------------------------------------------------------------------------

def memory_available_mb() -> int | None:
    """MemAvailable of /proc/meminfo, or the room left under this process's cgroup limit if that is less."""
    found = None
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    found = int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        group = Path("/sys/fs/cgroup") / open("/proc/self/cgroup", encoding="ascii").read().strip() \
            .split("\n")[0].split("::", 1)[1].lstrip("/")
        limit = (group / "memory.max").read_text().strip()
        if limit != "max":
            room = (int(limit) - int((group / "memory.current").read_text())) // 2**20
            found = room if found is None else min(found, room)
    except (OSError, ValueError, IndexError):
        pass
    return found


@dataclass
class Parallelism:
    jobs: int               # grading processes at once
    threads: int            # compute threads of each training run
    why: str                # the whole reason, printed once
    reason: str             # what set the number, for the progress bar

    def line(self) -> str:
        return f"{self.jobs} at once: {self.reason}"


def parallelism(requested: int | None, options: Options, files: int) -> Parallelism:
    """How many files are graded at once, and why.

    Default: one grading process per CPU (at most MAX_JOBS, and as many as the
    memory holds). A training check trains on one thread (``threads.CHECK_THREADS``),
    so parallel checks never run more compute threads than there are CPUs, and
    with OpenMP's threads waiting without spinning for long (``threads.py``) two
    one-thread checks on two cores do more than one check at a time: the default
    is never slower than ``--jobs 1``, and grades the same.
    """
    cpus = threads.cpus()
    if requested:
        jobs, why = requested, f"--jobs {requested}"
        reason = why
    else:
        jobs, why = min(cpus, MAX_JOBS), f"{cpus} CPU{'s' * (cpus != 1)}"
        reason = why
        if cpus > MAX_JOBS:
            why += f", at most {MAX_JOBS} processes"
            reason = f"at most {MAX_JOBS}"
        memory = memory_available_mb()
        if memory is not None and memory // MEMORY_PER_JOB_MB < jobs:
            jobs = max(1, memory // MEMORY_PER_JOB_MB)
            why += f", memory for {jobs} ({memory / 1024:.1f} GB free, {MEMORY_PER_JOB_MB / 1024:g} GB each)"
            reason = "memory"
    if files < jobs:
        jobs = max(1, files)
        reason = f"{files} distinct file{'s' * (files != 1)}"
        why += f", {reason}"
    per_job = threads.CHECK_THREADS
    if options.train:
        why += f"; each training check on {per_job} thread{'s' * (per_job != 1)}"
        if options.device == "cuda":
            why += " and the GPU"
        elif jobs * per_job > cpus:
            why += f", {jobs * per_job} threads for {cpus} CPUs"
    return Parallelism(jobs, per_job, why, reason)


# -- shards: a class split over several machines ---------------------------------------------

def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` (1 <= K <= N) as (K, N); ValueError with the reason otherwise."""
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard takes K/N, e.g. 2/8 (got {text!r})") from None
    if not 1 <= k <= n:
        raise ValueError(f"--shard {text}: K must be between 1 and N")
    return k, n


def slurm_shard(environ=os.environ) -> tuple[int, int] | None:
    """The part K/N of a Slurm job array's task, for ``batch`` without ``--shard``; None outside an array.

    Only when SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT are both set: K = ID - MIN + 1
    (SLURM_ARRAY_TASK_MIN, 1 when unset), N = COUNT. The array must be the parts 1-N or 0-(N-1),
    without gaps or steps; ValueError otherwise (``--array=3``, a rerun of part 3 of 8, would read
    as part 1 of 1: it needs ``--shard 3/8``).
    """
    task, count = environ.get("SLURM_ARRAY_TASK_ID", ""), environ.get("SLURM_ARRAY_TASK_COUNT", "")
    if not task.strip() or not count.strip():
        return None
    try:
        task, count = int(task), int(count)
        first = int(environ.get("SLURM_ARRAY_TASK_MIN") or 1)
        last = int(environ.get("SLURM_ARRAY_TASK_MAX") or first + count - 1)
    except ValueError:
        raise ValueError("the SLURM_ARRAY_TASK_* variables are not numbers: pass --shard K/N") from None
    if first not in (0, 1) or count < 1 or last - first + 1 != count or not first <= task <= last:
        tasks = f"{count} task{'s' * (count != 1)}"
        raise ValueError(f"task {task} of the Slurm job array {first}-{last} ({tasks}): only an array 1-N or "
                         "0-(N-1) without gaps names the parts of a split; pass --shard K/N (e.g. a rerun of "
                         "part 3 of 8: --shard 3/8)")
    return task - first + 1, count


def shard_of(student: str, n: int) -> int:
    """The shard (1..n) of a student: a digest of the id alone, so it holds however the class changes."""
    return int.from_bytes(hashlib.sha256(student.encode("utf-8")).digest()[:8], "big") % n + 1


def class_digest(students: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(students)).encode("utf-8")).hexdigest()


def manifest_name(k: int, n: int) -> str:
    return f"{k}-of-{n}.json"


def write_manifest(out: Path, shard: tuple[int, int], students: list[str], everyone: list[str],
                   options: Options) -> None:
    """``out/shards/K-of-N.json``: which students this run is answerable for, for ``merge``."""
    folder = out / "shards"
    folder.mkdir(parents=True, exist_ok=True)
    k, n = shard
    for old in folder.glob("*-of-*.json"):       # a split of another N, run into this folder before
        if not old.name.endswith(f"-of-{n}.json"):
            old.unlink(missing_ok=True)
    write_json(folder / manifest_name(k, n), {
        "shard": [k, n], "students": students, "class_students": len(everyone),
        "class_digest": class_digest(everyone), "options": options.key(),
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})


# -- the batch -------------------------------------------------------------------------------

class BatchAborted(Exception):
    """The grader itself is broken: grading more students would give every one the same error."""


def write_json(path: Path, data) -> None:
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")     # shards may share a folder
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(temporary, path)


def already_graded(folder: Path, student: Student, options: Options) -> bool:
    try:
        meta = json.loads((folder / "batch.json").read_text(encoding="utf-8"))
        json.loads((folder / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (meta.get("fingerprint") == student.fingerprint and meta.get("options") == options.key()
            and meta.get("status") in ("ok", "rejected"))


def failed_results(module: str, options: Options, message: str) -> list[dict]:
    """Every check of ``module`` failed with ``message`` (for a refused archive or a file not graded): the
    same checks, for the same maximum, as a graded file (``grade.not_graded``)."""
    from . import grade
    return [dataclasses.asdict(r) for r in grade.not_graded(module, options.train, options.device, message,
                                                              crashed=False)]


def assignment_maximum(options: Options) -> float:
    """The class's total (``grade.maximum``): one for every student, fixed by the options alone."""
    from . import grade
    return grade.maximum(options.modules, options.train, options.device)


def write_student(out: Path, student: Student, results: list[dict], seconds: float, status: str,
                  options: Options) -> None:
    from . import grade
    report = grade.GradeReport(student.id, [grade.Result(**r) for r in results], execution_time=seconds,
                               maximum=assignment_maximum(options))
    data = report.gradescope()
    notes = [n for n in (student.rejected, student.rejected_zh) if n] + student.notes
    if status == "error":
        notes.append("some files could not be graded (see the failed checks); they are graded again "
                     "on the next run")
    if notes:
        data["output"] += "\n" + "\n".join(notes)
    folder = out / "students" / student.id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.txt").write_text(report.text(options.lang) + ("\n\n" + "\n".join(notes) if notes else "")
                                       + "\n", encoding="utf-8")
    write_json(folder / "results.json", data)
    write_json(folder / "batch.json", {
        "student": student.id, "source": escaping.name(student.source.name), "status": status,
        "fingerprint": student.fingerprint, "options": options.key(), "files": student.shown,
        "notes": notes, "seconds": round(seconds, 2),
        "graded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})


def run_batch(submissions: Path, out: Path, options: Options, jobs: int | None = None, force: bool = False,
              stream=sys.stderr, shard: tuple[int, int] = (1, 1)) -> dict:
    """Grade every student (of ``shard`` K/N: see ``shard_of``); returns counts.

    ``jobs``: grading processes at once (None: ``parallelism`` chooses). Raises
    BatchAborted when the grader itself is broken.
    """
    submissions, out = Path(submissions), Path(out)
    (out / "students").mkdir(parents=True, exist_ok=True)
    entries, notes = discover(submissions)
    everyone = [s for s, _ in entries]
    k, n = shard
    if n > 1:
        entries = [(s, source) for s, source in entries if shard_of(s, n) == k]
        print(f"batch: shard {k}/{n}: {len(entries)} of the class's {len(everyone)} students", file=stream)
    for note in notes:
        print(f"batch: {note}", file=stream)
    counts = {"students": len(entries), "skipped": 0, "graded": 0, "errors": 0, "rejected": 0,
              "distinct_files": 0, "jobs": 0}
    with tempfile.TemporaryDirectory(prefix="grader-batch-") as scratch:
        work, empty = Path(scratch) / "unzipped", Path(scratch) / "empty"
        empty.mkdir()
        todo: list[Student] = []
        for student_id, source in entries:
            student = prepare(student_id, source, options.modules, work, empty)
            if not force and already_graded(out / "students" / student_id, student, options):
                counts["skipped"] += 1
                continue
            todo.append(student)
        if counts["skipped"]:
            print(f"batch: {counts['skipped']} student(s) already graded with these options "
                  "(--force grades them again)", file=stream)
        if todo:
            grade_students(todo, out, options, jobs, counts, stream)
    write_class_files(out, [s for s, _ in entries], options, stream)
    write_manifest(out, shard, [s for s, _ in entries], everyone, options)     # last: this part is complete
    return counts


def grade_students(todo: list[Student], out: Path, options: Options, jobs: int | None, counts: dict,
                   stream) -> None:
    from multiprocessing.connection import wait

    tasks: dict[str, tuple[str, Path]] = {}            # key -> (module, folder holding a copy)
    order: list[str] = []
    waiting: dict[str, list[Student]] = {}
    for student in todo:
        if student.rejected:
            continue
        for module, (folder, key) in student.files.items():
            if key not in tasks:
                tasks[key] = (module, folder)
                order.append(key)
            waiting.setdefault(key, []).append(student)
    counts["distinct_files"] = len(tasks)
    plan = parallelism(jobs, options, len(tasks))
    if tasks:
        counts["jobs"] = plan.jobs
        print(f"batch: {len(tasks)} distinct module file(s) to grade, {plan.jobs} at once ({plan.why})",
              file=stream)
    done: dict[str, tuple[list[dict], float, bool]] = {}  # key -> (results, seconds, graded?)
    # on a terminal a tqdm bar; in a log, one line every 10 s at most and one at the end
    progress = progress_bar(len(todo), desc=f"grading students ({plan.line()})" if tasks else "grading students",
                            unit="student", log_every=10, leave=True, stream=stream)
    remaining = {s.id: s for s in todo}

    def finish(student: Student) -> None:
        results, seconds, status = [], 0.0, "ok"
        if student.rejected:
            status = "rejected"
            for module in options.modules:
                results += failed_results(module, options, student.rejected + "\n"
                                          + (student.rejected_zh + "\n" if student.rejected_zh else "")
                                          + ZH_REJECTED)
        else:
            for module in options.modules:
                module_results, module_seconds, graded = done[student.files[module][1]]
                results += module_results
                seconds += module_seconds
                if not graded:
                    status = "error"
        write_student(out, student, results, seconds, status, options)
        counts["graded"] += 1
        counts["errors"] += status == "error"
        counts["rejected"] += status == "rejected"
        if counts["errors"]:
            progress.set_postfix_str(f"{counts['errors']} not graded: see grades.csv", refresh=False)
        progress.update(1)
        del remaining[student.id]

    def complete(key: str, results: list[dict], seconds: float, graded: bool) -> None:
        done[key] = (results, seconds, graded)
        for student in waiting.get(key, []):
            if student.id in remaining and all(k in done for _, k in student.files.values()):
                finish(student)

    for student in todo:
        if student.rejected:
            finish(student)
    if not order:
        progress.close()
        return

    pool = Pool(plan.jobs, options)
    queue = list(reversed(order))
    deaths_in_a_row = 0          # workers lost without a file graded in between: the grader, not a student
    try:
        while len(done) < len(tasks):
            for index, w in enumerate(pool.workers):
                if w["task"] is None and queue:
                    key = queue.pop()
                    module, folder = tasks[key]
                    try:
                        w["connection"].send(("grade", key, module, str(folder)))
                    except OSError:              # the worker died while idle: replace it, keep the file
                        queue.append(key)
                        pool.replace(index)
                        continue
                    w["task"], w["since"] = key, time.monotonic()
            busy = [w for w in pool.workers if w["task"] is not None]
            ready = wait([w["connection"] for w in busy] + [w["process"].sentinel for w in busy], timeout=1.0)
            for index, w in enumerate(pool.workers):
                if w["task"] is None:
                    continue
                key = w["task"]
                module = tasks[key][0]
                reason = None
                if w["connection"] in ready:
                    try:
                        message = w["connection"].recv()
                    except (EOFError, OSError):
                        message = None
                    if message is None:
                        reason = f"the grading process stopped (exit code {w['process'].exitcode})"
                    elif message[0] == "graded":
                        complete(key, message[2], message[4], True)
                        w["task"] = None
                        deaths_in_a_row = 0
                        continue
                    elif message[0] == "broken":
                        raise BatchAborted(f"the grader could not run on {key.split(':')[0]}: {message[2]}")
                    else:
                        print(f"\nbatch: internal error while grading {module}.py of "
                              f"{', '.join(s.id for s in waiting[key][:3])}: {message[2]}", file=stream)
                        complete(key, failed_results(module, options, NOT_GRADED.format(
                            why="the grader failed on this file")), 0.0, False)
                        w["task"] = None
                        continue
                elif w["process"].sentinel in ready or not w["process"].is_alive():
                    reason = f"the grading process stopped (exit code {w['process'].exitcode})"
                elif time.monotonic() - w["since"] > options.watchdog():
                    reason = f"grading this file took more than {options.watchdog():.0f} s"
                if reason:
                    print(f"\nbatch: {module}.py of {', '.join(s.id for s in waiting[key][:3])} not graded: "
                          f"{reason}; restarting that worker", file=stream)
                    complete(key, failed_results(module, options, NOT_GRADED.format(why=reason)), 0.0, False)
                    w["task"] = None
                    deaths_in_a_row += 1
                    if deaths_in_a_row > 2 * len(pool.workers) + 3:
                        raise BatchAborted(f"{deaths_in_a_row} grading processes in a row stopped "
                                           f"without grading a file (last: {reason})")
                    pool.replace(index)
            progress.refresh()      # the elapsed time goes on while a slow file is graded
    except BaseException:
        pool.close(kill=True)
        progress.close()
        raise
    pool.close()
    progress.close()


ZH_REJECTED = "提交的压缩包被拒绝（原因见上）。请只打包你的 .py 文件后重新提交。"
NOT_GRADED = ("this file could not be graded: {why}. This is not your mistake; your teacher will grade it "
              "again.\n此文件未能评分（评分程序的问题，不是你的错误），老师会重新评分。")


# -- class files: grades.csv, summary.txt, class.html ----------------------------------------

def load_class(out: Path, students: list[str]) -> list[tuple[str, dict, dict]]:
    loaded = []
    for student in students:
        folder = out / "students" / student
        try:
            results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
            meta = json.loads((folder / "batch.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        loaded.append((student, results, meta))
    return loaded


def write_grades(out: Path, loaded, modules, maximum: float | None = None) -> Path:
    """``maximum``: the class's total for every row (``assignment_maximum``); None: each results.json's."""
    path = out / "grades.csv"
    temporary = path.with_name(f"grades.csv.{os.getpid()}.tmp")      # shards may share a folder
    with open(temporary, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "total", "max_score"] + list(modules) + ["status", "notes"])
        for student, results, meta in loaded:
            points = {m: 0.0 for m in modules}
            for test in results.get("tests", []):
                module = test.get("tags", [""])[0]
                if module in points:
                    points[module] += test.get("score", 0)
            # text cells through escaping.cell: no name or note is a formula in a spreadsheet
            writer.writerow([escaping.cell(student), f"{results.get('score', 0):g}",
                             f"{maximum if maximum is not None else results.get('max_score', 0):g}"]
                            + [f"{round(points[m], 4):g}" for m in modules]
                            + [escaping.cell(meta.get("status", "")),
                               escaping.cell("; ".join(map(str, meta.get("notes", [])))[:300])])
    os.replace(temporary, path)
    return path


def module_state(tests: list[dict]) -> str:
    """attempted | not started (stubs untouched) | missing | rejected."""
    outputs = [t.get("output", "") for t in tests]
    if any("was rejected:" in o for o in outputs):
        return "rejected"
    if any(MISSING_MARK in o for o in outputs):
        return "missing"
    if tests and all(t.get("status") == "failed" and STUB_MARK in t.get("output", "") for t in tests):
        return "not started"
    return "attempted"


def signature(output: str) -> str:
    """The gist of one failure message, the same in training and eval mode.

    A traced operation (``where:`` / ``found:``) is the most precise; else the row of the
    layer table marked ``>>``; else the first English line.
    """
    lines = [" ".join(l.split()) for l in output.splitlines()]
    where = [l[len("where:"):].strip() for l in lines if l.startswith("where:")]
    found = [l[len("found:"):].strip() for l in lines if l.startswith("found:")]
    expected = [l[len("expected:"):].strip() for l in lines if l.startswith("expected:")]

    def op(text):
        text = re.sub(r"^#\d+\s*", "", text).split(" -> ")[0]
        return re.sub(r",?\s*training=(True|False)", "", text).replace("(, ", "(")
    if where:
        text = where[0]
        if found:
            text += ": found " + op(found[0])
            if expected:
                text += "; book: " + op(expected[0])
        return text
    marked = [l for l in lines if l.startswith(">>")]
    if marked:
        return "table row " + marked[0][2:].strip()
    english = [l for l in lines if l and not has_chinese(l)]
    return english[0] if english else ""


def primary(outputs: list[str]) -> str:
    """One gist for one student's module: a traced operation first, then a table row, then anything."""
    gists = [signature(o) for o in outputs]
    for test in (lambda g: ": found " in g, lambda g: g.startswith("table row"), bool):
        for gist in gists:
            if test(gist):
                return gist
    return ""


def typical(outputs: list[str]) -> str:
    """What most failing students got, and how many got exactly that."""
    counted = Counter(signature(o).split("; book: ")[0] for o in outputs)
    text, count = counted.most_common(1)[0] if counted else ("", 0)
    return f"{text[:220]} ({count}x)" if text else ""


def class_summary(loaded, modules, options: Options | None = None) -> dict:
    """``options``: the maxima are the rule's (``grade.module_maximum``); None: the largest found."""
    per_module = {m: Counter() for m in modules}
    points = {m: [] for m in modules}
    maxima = {m: 0.0 for m in modules}
    failures: dict[tuple[str, str, str], list[str]] = {}
    mistakes: Counter = Counter()       # (module, signature) -> students, once per student
    lost: Counter = Counter()           # (module, signature) -> points its checks charged, whole class
    attempted = Counter()
    rows = []                           # per student, for class.html: total, points and mistakes
    for student, results, meta in loaded:
        row = {"student": student, "total": results.get("score", 0), "status": meta.get("status", ""),
               "points": {}, "causes": []}
        rows.append(row)
        by_module: dict[str, list[dict]] = {}
        for test in results.get("tests", []):
            by_module.setdefault(test.get("tags", [""])[0], []).append(test)
        for module in modules:
            tests = by_module.get(module, [])
            state = module_state(tests)
            per_module[module][state] += 1
            points[module].append(sum(t.get("score", 0) for t in tests))
            row["points"][module] = points[module][-1]
            maxima[module] = max(maxima[module], sum(t.get("max_score", 0) for t in tests))
            if state != "attempted":
                continue
            attempted[module] += 1
            failed_outputs, causes = [], []
            charged: Counter = Counter()    # cause ("": none diagnosed) -> points its checks lost
            for test in tests:
                if test.get("status") == "failed" and STUB_MARK not in test.get("output", ""):
                    extra = test.get("extra_data") or {}
                    if extra.get("cause") and extra["cause"] not in causes:
                        causes.append(extra["cause"])
                    charged[extra.get("cause", "")] += test.get("max_score", 0) - test.get("score", 0)
                    if extra.get("same_as"):
                        continue            # one mistake, counted where it is charged
                    kind = test.get("tags", ["", ""])[1] if len(test.get("tags", [])) > 1 else ""
                    name = test.get("name", "").split(": ", 1)[-1]
                    failures.setdefault((module, kind, name), []).append(test.get("output", ""))
                    failed_outputs.append(test.get("output", ""))
            for gist in causes or [primary(failed_outputs)]:
                if gist:
                    mistakes[(module, gist)] += 1
                    row["causes"].append((module, gist))
                    # a diagnosed cause costs what its checks lost; without a diagnosis the first wrong
                    # operation stands for all the checks that failed (a check failed without a cause
                    # beside diagnosed ones is charged to none)
                    lost[(module, gist)] += charged[gist] if causes else charged[""]
    order = {m: i for i, m in enumerate(modules)}
    ranked = sorted(failures.items(), key=lambda item: (-len(item[1]), -len(item[1]) / max(1, attempted[item[0][0]]),
                                                        order[item[0][0]], item[0]))
    totals = [r.get("score", 0) for _, r, _ in loaded]
    max_total = max((r.get("max_score", 0) for _, r, _ in loaded), default=0)
    if options is not None:
        from . import grade
        maxima = {m: grade.module_maximum(m, options.train, options.device) for m in modules}
        max_total = assignment_maximum(options)
    return {"students": len(loaded), "per_module": per_module, "points": points, "maxima": maxima,
            "attempted": attempted, "ranked": ranked, "totals": totals,
            "mistakes": sorted(mistakes.items(), key=lambda item: (-item[1], order[item[0][0]], item[0])),
            "lost": dict(lost), "rows": rows, "max_total": max_total}


def summary_text(summary: dict, modules, options: Options, top: int = 15) -> str:
    n = summary["students"]
    totals = sorted(summary["totals"])
    lines = [f"Class summary: {n} student(s), graded {'with' if options.train else 'without'} training checks."]
    if totals:
        median = totals[len(totals) // 2] if len(totals) % 2 else (totals[len(totals) // 2 - 1] + totals[len(totals) // 2]) / 2
        lines.append(f"Total: mean {sum(totals) / n:.1f}, median {median:g}, min {totals[0]:g}, max {totals[-1]:g} "
                     f"(of {summary['max_total']:g}).")
    lines += ["", "Per network (mean points; students who attempted it / left the stub / had no file / rejected):"]
    for module in modules:
        state, pts = summary["per_module"][module], summary["points"][module]
        mean = sum(pts) / len(pts) if pts else 0
        lines.append(f"  {NETWORKS[module].title:<22} {mean:5.1f} / {summary['maxima'][module]:g}   "
                     f"{state['attempted']} / {state['not started']} / {state['missing']} / {state['rejected']}")
    lines += ["", "Checks failed most often by the students who attempted the network (the mistakes worth a lecture):"]
    if not summary["ranked"]:
        lines.append("  none")
    for number, ((module, kind, name), outputs) in enumerate(summary["ranked"][:top], 1):
        share = len(outputs) / max(1, summary["attempted"][module])
        lines.append(f"  {number:>2}. {len(outputs):>3} of {summary['attempted'][module]:<3} ({share:4.0%})  "
                     f"{module} / {escaping.inert(kind)}: {escaping.inert(name)}")
        example = typical(outputs)
        if example:
            lines.append(f"        typical: {escaping.inert(example)}")
    lines += ["", "Most common mistakes, by cause (each diagnosed mistake once per student; else the student's "
                  "first wrong operation or table row):"]
    if not summary["mistakes"]:
        lines.append("  none")
    for number, ((module, gist), count) in enumerate(summary["mistakes"][:top], 1):
        lines.append(f"  {number:>2}. {NETWORKS[module].title}: {escaping.inert(gist)[:220]}, "
                     f"{count} student{'s' * (count != 1)} "
                     f"(of {summary['attempted'][module]} who attempted it)")
    return "\n".join(lines) + "\n"


def write_class_files(out: Path, students: list[str], options: Options, stream) -> None:
    """grades.csv, summary.txt and class.html with its figures (summary.png, class-totals.png),
    all from one ``class_summary``."""
    from . import class_report
    loaded = load_class(out, students)
    write_grades(out, loaded, options.modules, assignment_maximum(options))
    summary = class_summary(loaded, options.modules, options)
    text = summary_text(summary, options.modules, options)
    (out / "summary.txt").write_text(text, encoding="utf-8")
    page = class_report.write(out, summary, options.modules, options)
    print(text, file=stream)
    print(f"batch: wrote {out / 'grades.csv'}, {out / 'summary.txt'}, {page} (open it in a browser; its "
          f"figures: {class_report.CAUSES_PNG}, {class_report.TOTALS_PNG}) and {len(loaded)} results.json "
          f"under {out / 'students'}/", file=stream)


# -- command line ----------------------------------------------------------------------------

def configure(parser):
    parser.add_argument("submissions", metavar="SUBMISSIONS",
                        help="folder with one folder or one .zip per student, named by student id")
    parser.add_argument("--out", required=True, metavar="DIR", help="where results, grades.csv and the summary go")
    parser.add_argument("--jobs", type=int, default=None,
                        help=f"grading processes working in parallel (default: one per CPU, at most {MAX_JOBS} and "
                             "as many as the memory holds; the progress line says how many and why)")
    parser.add_argument("--shard", metavar="K/N", default=None,
                        help="grade only the K-th of N parts of the class (split by a digest of the student id, "
                             "K from 1 to N); 'python -m grader merge' joins the parts' folders. Without --shard, "
                             "a task of a Slurm job array (SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT both set) "
                             "grades its part: K = SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN + 1, "
                             "N = SLURM_ARRAY_TASK_COUNT, for an array 1-N or 0-(N-1) without gaps (sbatch "
                             "--array=1-8); any other array (--array=3, a rerun of one part) needs --shard")
    parser.add_argument("--force", action="store_true", help="grade again students already graded")
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="language of each report.txt")
    add_grading_options(parser)


def main(args) -> int:
    modules = selected_modules(args.only, "batch")
    if modules is None:
        return 2
    submissions = readable_folder(args.submissions, "batch")
    if submissions is None:
        return 2
    if args.jobs is not None and args.jobs < 1:
        print("batch: --jobs must be at least 1", file=sys.stderr)
        return 2
    try:
        shard = parse_shard(args.shard) if args.shard else slurm_shard() or (1, 1)
    except ValueError as error:
        print(f"batch: {error}", file=sys.stderr)
        return 2
    device = args.device if not args.no_train else "cpu"     # the device only matters for training
    if device == "auto":
        from .grade import resolve_device
        device = resolve_device(device)
    options = Options(modules, not args.no_train, device, args.timeout, args.train_timeout, args.memory, args.lang)
    started = time.monotonic()
    try:
        counts = run_batch(submissions, Path(args.out), options, jobs=args.jobs, force=args.force, shard=shard)
    except BatchAborted as error:
        print(f"\nbatch: stopped, the grader itself could not run: {error}\n"
              f"Students graded so far are written under {args.out}; rerun to go on.", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print(f"\nbatch: interrupted; students graded so far are written under {args.out}; "
              "rerun to go on.", file=sys.stderr)
        return 130
    part = f"shard {shard[0]}/{shard[1]}: " if shard[1] > 1 else ""
    at_once = f"{counts['jobs']} at once, " if counts["jobs"] else ""
    print(f"batch: {part}{counts['students']} student(s): "
          f"{counts['graded']} graded ({counts['distinct_files']} distinct module files), "
          f"{counts['skipped']} already graded, {counts['rejected']} rejected, {counts['errors']} with files not "
          f"graded; {at_once}{time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0
