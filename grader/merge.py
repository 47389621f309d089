"""One class from the folders of ``batch --shard K/N`` runs (``python -m grader merge DIR... --out DIR``).

Each ``batch`` run writes ``shards/K-of-N.json`` in its ``--out`` folder: the
students it is answerable for, a digest of the whole class's ids and the
grading options. ``merge`` checks that the folders hold every shard 1..N of
one split of one class, graded with the same options, copies each student's
``results.json``, ``report.txt`` and ``batch.json`` into ``--out`` (unless
they are there already: shards may share one folder) and writes
``grades.csv``, ``summary.txt`` and ``class.html`` exactly as one ``batch``
run over the whole class would.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from .batch import Options, manifest_name, write_class_files, write_manifest

STUDENT_FILES = ("results.json", "report.txt", "batch.json")


class MergeError(Exception):
    pass


def manifests(folders: list[Path]) -> list[tuple[Path, dict]]:
    found = []
    for folder in folders:
        paths = sorted((folder / "shards").glob("*-of-*.json"))
        if not paths:
            raise MergeError(f"{folder} holds no shards/K-of-N.json: not the --out folder of a batch run")
        for path in paths:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                k, n = data["shard"]
                data["students"], data["options"]
            except (OSError, ValueError, KeyError, TypeError) as error:
                raise MergeError(f"{path} is unreadable ({error})") from None
            found.append((folder, data))
    return found


def plan(folders: list[Path]) -> tuple[dict[str, Path], dict, int]:
    """(student -> folder holding its results, the options, N); MergeError when the shards do not add up."""
    found = manifests(folders)
    splits = {data["shard"][1] for _, data in found}
    if len(splits) > 1:
        raise MergeError(f"the folders hold shards of different splits (N = {', '.join(map(str, sorted(splits)))}): "
                         "merge the shards of one run")
    n = splits.pop()
    classes = {(data["class_digest"], data["class_students"]) for _, data in found}
    if len(classes) > 1:
        raise MergeError("the shards were cut from different classes (the SUBMISSIONS folder changed between "
                         "them): run every shard again on the same folder")
    options = [data["options"] for _, data in found]
    if any(o != options[0] for o in options):
        raise MergeError("the shards were graded with different options (--only, --no-train, --timeout, "
                         "--device, ...): grade every shard with the same ones")
    where: dict[int, Path] = {}
    for folder, data in found:
        k = data["shard"][0]
        if k in where and where[k].resolve() != folder.resolve():
            raise MergeError(f"shard {k}/{n} is in both {where[k]} and {folder}")
        where[k] = folder
    missing = [k for k in range(1, n + 1) if k not in where]
    if missing:
        raise MergeError(f"shard{'s' * (len(missing) > 1)} {', '.join(f'{k}/{n}' for k in missing)} "
                         f"missing: run batch --shard for {'them' if len(missing) > 1 else 'it'} first")
    students: dict[str, Path] = {}
    for folder, data in found:
        lost = []
        for student in data["students"]:
            students[student] = folder
            if not all((folder / "students" / student / name).is_file() for name in ("results.json", "batch.json")):
                lost.append(student)
        if lost:
            raise MergeError(f"{folder}: {len(lost)} student(s) of shard {data['shard'][0]}/{n} have no results "
                             f"({', '.join(lost[:5])}): run that shard again")
    expected = next(iter(classes))[1]
    if len(students) != expected:
        raise MergeError(f"the shards list {len(students)} students, the class has {expected}")
    return students, options[0], n


def merge(folders: list[Path], out: Path, stream=sys.stderr) -> int:
    """Merge; returns the number of students. Raises MergeError."""
    students, key, n = plan([Path(f) for f in folders])
    options = Options(tuple(key["modules"]), key["train"], key["device"], key["timeout"], key["train_timeout"],
                      key["memory"])
    out = Path(out)
    for student, folder in sorted(students.items()):
        source, target = folder / "students" / student, out / "students" / student
        if source.resolve() == target.resolve():
            continue
        target.mkdir(parents=True, exist_ok=True)
        for name in STUDENT_FILES:
            if (source / name).is_file():
                shutil.copyfile(source / name, target / name)
            else:
                (target / name).unlink(missing_ok=True)
    order = sorted(students)
    if not any(Path(f).resolve() == out.resolve() for f in folders):
        write_manifest(out, (1, 1), order, order, options)      # the merged folder: one run of the whole class
    write_class_files(out, order, options, stream)
    print(f"merge: {len(order)} students from {n} shard{'s' * (n != 1)} into {out}", file=stream)
    return len(order)


__all__ = ["MergeError", "merge", "manifest_name"]
