"""``batch --shard K/N`` and ``merge``: the parts of a class, graded at once, add up to one run.

One small class (LeNet only, no training) is graded by one run and, at the
same time, in three shards; ``merge`` must write the same grades.csv and
summary. The other tests use a fake grading worker (no torch) to check the
split, a shared output folder and what merge refuses.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from grader import batch, merge
from grader.apps import batch as batch_command
from grader.batch import pool

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS, STUBS = ROOT / "solutions", ROOT / "exercises"


def run(*args) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.Popen([sys.executable, "-m", "grader", *map(str, args)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen, timeout: float = 600) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return err


def small_class(subs: Path) -> None:
    """Five students over the three shards of a 3-way split (alice, bob: 3; dave: 2; erin, henry: 1)."""
    lenet = (SOLUTIONS / "lenet.py").read_text()
    mistake = lenet.replace("nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),",
                            "nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(),")
    assert mistake != lenet
    for student, source in (("alice", lenet), ("bob", mistake), ("dave", (STUBS / "lenet.py").read_text()),
                            ("henry", lenet)):
        (subs / student).mkdir(parents=True)
        (subs / student / "lenet.py").write_text(source)
    with zipfile.ZipFile(subs / "erin.zip", "w") as archive:      # rejected: path traversal
        archive.writestr("../lenet.py", lenet)


def test_three_shards_at_once_merge_to_one_run(tmp_path):
    subs = tmp_path / "subs"
    small_class(subs)
    assert sorted(batch.shard_of(s, 3) for s in ("alice", "bob", "dave", "erin", "henry")) == [1, 1, 2, 3, 3]
    common = ("--no-train", "--only", "lenet", "--jobs", "1")
    started = time.monotonic()
    processes = [run("batch", subs, "--out", tmp_path / "whole", *common)]
    processes += [run("batch", subs, "--out", tmp_path / f"part{k}", "--shard", f"{k}/3", *common) for k in (1, 2, 3)]
    logs = [finish(p) for p in processes]
    assert "shard 2/3: 1 of the class's 5 students" in logs[2]
    merged = run("merge", *(tmp_path / f"part{k}" for k in (1, 2, 3)), "--out", tmp_path / "merged")
    assert "merge: 5 students from 3 shards" in finish(merged)
    whole, merged = tmp_path / "whole", tmp_path / "merged"
    assert (merged / "grades.csv").read_text() == (whole / "grades.csv").read_text()
    assert (merged / "summary.txt").read_text() == (whole / "summary.txt").read_text()
    rows = (whole / "grades.csv").read_text().splitlines()
    assert [r.split(",")[0] for r in rows] == ["student", "alice", "bob", "dave", "erin", "henry"]
    assert rows[1].split(",")[1] == rows[1].split(",")[2] and "rejected" in rows[4]
    for student in ("alice", "bob", "dave", "erin", "henry"):
        ours = json.loads((merged / "students" / student / "results.json").read_text())
        theirs = json.loads((whole / "students" / student / "results.json").read_text())
        assert [(t["name"], t["score"]) for t in ours["tests"]] == [(t["name"], t["score"]) for t in theirs["tests"]]
    print(f"4 runs at once and a merge: {time.monotonic() - started:.0f} s")


# -- without torch: a fake worker ------------------------------------------------------------

def fake_worker(connection, options):
    """1 point for a module file that is there, 0 for a missing one."""
    while True:
        message = connection.recv()
        if message[0] == "quit":
            return
        _, task, module, folder = message
        there = (Path(folder) / f"{module}.py").is_file()
        connection.send(("graded", task, [{"module": module, "kind": "shapes", "name": "table", "max_score": 1.0,
                                           "score": float(there), "status": "passed" if there else "failed",
                                           "output": "" if there else f"{module}.py is missing"}], "", 0.01))


@pytest.fixture
def fake_class(tmp_path, monkeypatch):
    monkeypatch.setattr(pool, "worker", fake_worker)
    subs = tmp_path / "subs"
    for number in range(12):
        (subs / f"s{number:02d}").mkdir(parents=True)
        for module in ("lenet", "vgg")[: 1 + number % 2]:
            (subs / f"s{number:02d}" / f"{module}.py").write_text(f"# {number} {module}\n")
    return subs, batch.Options(("lenet", "vgg"), False, "cpu", 60, 300, 3072)


def test_shards_partition_the_class_by_student_id():
    students = [f"student{i}" for i in range(200)]
    for n in (1, 2, 5):
        parts = [[s for s in students if batch.shard_of(s, n) == k] for k in range(1, n + 1)]
        assert sorted(sum(parts, [])) == sorted(students)
        assert all(len(p) > 200 / n / 2 for p in parts)             # roughly even
    assert batch.shard_of("student7", 5) == batch.shard_of("student7", 5)
    assert batch.parse_shard("2/8") == (2, 8)
    for bad in ("0/3", "4/3", "3", "a/b"):
        with pytest.raises(ValueError):
            batch.parse_shard(bad)


def test_shards_sharing_one_folder_merge_in_place(tmp_path, fake_class):
    subs, options = fake_class
    whole, shared = tmp_path / "whole", tmp_path / "shared"
    batch.run_batch(subs, whole, options, jobs=1, stream=io.StringIO())
    for k in (1, 2, 3):
        batch.run_batch(subs, shared, options, jobs=1, stream=io.StringIO(), shard=(k, 3))
    assert sorted(p.name for p in (shared / "shards").iterdir()) == ["1-of-3.json", "2-of-3.json", "3-of-3.json"]
    merge.merge([shared], shared, stream=io.StringIO())
    assert (shared / "grades.csv").read_text() == (whole / "grades.csv").read_text()
    assert (shared / "summary.txt").read_text() == (whole / "summary.txt").read_text()


def test_merge_refuses_what_does_not_add_up(tmp_path, fake_class):
    subs, options = fake_class
    parts = [tmp_path / f"part{k}" for k in (1, 2, 3)]
    for k in (1, 2):
        batch.run_batch(subs, parts[k - 1], options, jobs=1, stream=io.StringIO(), shard=(k, 3))
    with pytest.raises(merge.MergeError, match="3/3 missing"):
        merge.merge(parts[:2], tmp_path / "out")
    other = batch.Options(("lenet",), False, "cpu", 60, 300, 3072)
    batch.run_batch(subs, parts[2], other, jobs=1, stream=io.StringIO(), shard=(3, 3))
    with pytest.raises(merge.MergeError, match="different options"):
        merge.merge(parts, tmp_path / "out")
    batch.run_batch(subs, parts[2], options, jobs=1, stream=io.StringIO(), shard=(3, 3))
    shutil.rmtree(parts[2] / "students" / sorted(os.listdir(parts[2] / "students"))[0])
    with pytest.raises(merge.MergeError, match="have no results"):
        merge.merge(parts, tmp_path / "out")
    with pytest.raises(merge.MergeError, match="not the --out folder"):
        merge.merge([subs], tmp_path / "out")
    (subs / "s99").mkdir()                                           # the class changed between shards
    (subs / "s99" / "lenet.py").write_text("# late\n")
    batch.run_batch(subs, parts[2], options, jobs=1, stream=io.StringIO(), shard=(3, 3), force=True)
    with pytest.raises(merge.MergeError, match="different classes"):
        merge.merge(parts, tmp_path / "out")


def test_a_slurm_array_task_grades_its_part():
    def shard(**variables):
        return batch.slurm_shard({f"SLURM_ARRAY_TASK_{k}": str(v) for k, v in variables.items()})

    assert shard() is None and shard(ID=2) is None and shard(COUNT=8) is None     # not an array task
    assert batch.slurm_shard({"SLURM_ARRAY_TASK_ID": "", "SLURM_ARRAY_TASK_COUNT": "8"}) is None
    assert shard(ID=3, COUNT=8, MIN=1, MAX=8) == (3, 8)                # sbatch --array=1-8
    assert shard(ID=0, COUNT=8, MIN=0, MAX=7) == (1, 8)                # sbatch --array=0-7
    assert shard(ID=7, COUNT=8, MIN=0, MAX=7) == (8, 8)
    assert shard(ID=2, COUNT=4, MIN=1, MAX=4, STEP=1) == (2, 4)        # --array=1-4%2: throttled, still 4 parts
    assert shard(ID=2, COUNT=2) == (2, 2)                              # MIN and MAX unset: 1..COUNT
    assert shard(ID=1, COUNT=1, MIN=1, MAX=1) == (1, 1)                # --array=1: the whole class
    for bad in (dict(ID=3, COUNT=1, MIN=3, MAX=3),                     # --array=3: a rerun needs --shard 3/8
                dict(ID=5, COUNT=4, MIN=5, MAX=8),                     # --array=5-8
                dict(ID=3, COUNT=4, MIN=1, MAX=7, STEP=2),             # --array=1-7:2
                dict(ID=5, COUNT=3, MIN=1, MAX=5),                     # --array=1,2,5
                dict(ID=9, COUNT=8), dict(ID="x", COUNT=8)):
        with pytest.raises(ValueError, match="--shard"):
            shard(**bad)


def test_batch_without_shard_takes_the_slurm_task_and_shard_wins(tmp_path, fake_class, monkeypatch, capsys):
    import argparse

    subs, _ = fake_class

    def main(*args) -> int:
        parser = argparse.ArgumentParser()
        batch_command.configure(parser)
        return batch_command.main(parser.parse_args([str(subs), "--only", "lenet,vgg", "--no-train", "--jobs", "1", *args]))

    monkeypatch.setenv("SLURM_ARRAY_TASK_ID", "0")
    monkeypatch.setenv("SLURM_ARRAY_TASK_COUNT", "3")
    monkeypatch.setenv("SLURM_ARRAY_TASK_MIN", "0")
    monkeypatch.setenv("SLURM_ARRAY_TASK_MAX", "2")
    assert main("--out", str(tmp_path / "array")) == 0
    assert os.listdir(tmp_path / "array" / "shards") == ["1-of-3.json"]
    assert main("--out", str(tmp_path / "explicit"), "--shard", "2/2") == 0
    assert os.listdir(tmp_path / "explicit" / "shards") == ["2-of-2.json"]
    for name, value in (("ID", "3"), ("COUNT", "1"), ("MIN", "3"), ("MAX", "3")):     # sbatch --array=3
        monkeypatch.setenv(f"SLURM_ARRAY_TASK_{name}", value)
    assert main("--out", str(tmp_path / "refused")) == 2
    assert "task 3 of the Slurm job array 3-3" in capsys.readouterr().err
