"""Shards: a class split over several machines (``--shard K/N``, a Slurm job array), and their manifests.

Each part writes ``shards/K-of-N.json`` in its ``--out`` folder; ``merge``
reads them to join the parts into one class.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from .options import Options


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


def write_json(path: Path, data) -> None:
    """Write ``data`` whole or not at all: the parts of a split may write into one folder at once."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")     # shards may share a folder
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(temporary, path)
