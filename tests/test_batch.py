"""Batch grading (``python -m grader batch``): a small class, bad archives, reruns, dying workers.

Only LeNet and LeNet+BatchNorm are graded (``--only``), without training,
so the whole file runs in about a minute on two cores.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from grader import batch
from grader.batch import pool, students

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS, STUBS = ROOT / "solutions", ROOT / "exercises"
ONLY = "lenet,batch_norm"


def grader_batch(*args, timeout=300):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-m", "grader", "batch", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def zip_with(path: Path, members: dict[str, bytes], modes: dict[str, int] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if modes and name in modes:
                info.external_attr = modes[name] << 16
            archive.writestr(info, data)
    return path


def mutant_lenet() -> bytes:
    text = (SOLUTIONS / "lenet.py").read_text()
    old = "nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),"
    assert old in text
    return text.replace(old, "nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(),").encode()


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """Eight students and one stray file; graded once by the command line."""
    base = tmp_path_factory.mktemp("batch")
    subs, out = base / "submissions", base / "out"
    subs.mkdir()
    for name in ("alice", "henry"):                       # two identical correct submissions
        (subs / name).mkdir()
        for module in ("lenet", "batch_norm"):
            shutil.copy(SOLUTIONS / f"{module}.py", subs / name / f"{module}.py")
    zip_with(subs / "bob.zip", {                          # a zipped bundle: one mistake, one stub
        "bob/exercises/lenet.py": mutant_lenet(),
        "bob/exercises/batch_norm.py": (STUBS / "batch_norm.py").read_bytes(),
        "bob/exercises/test_lenet.py": b"",
        "__MACOSX/bob/exercises/._lenet.py": b"\0\0junk",
        "bob/.venv/lib/lenet.py": b"raise SystemExit",
    })
    (subs / "carol" / "exercises").mkdir(parents=True)    # untouched stubs, one folder down
    for module in ("lenet", "batch_norm"):
        shutil.copy(STUBS / f"{module}.py", subs / "carol" / "exercises" / f"{module}.py")
    zip_with(subs / "dave.zip", {"lenet.py": b"x = 1\n", "../../evil.py": b"print('owned')\n"})
    zip_with(subs / "erin.zip", {"lenet.py": b"/etc/passwd"}, modes={"lenet.py": stat.S_IFLNK | 0o777})
    zip_with(subs / "frank.zip", {"lenet.py": b"x = 1\n", "data.bin": bytes(12 << 20)})   # a zip bomb
    (subs / "gina").mkdir()                               # hangs on import; no batch_norm.py at all
    (subs / "gina" / "lenet.py").write_text("while True:\n    pass\n")
    (subs / "notes.txt").write_text("not a submission")
    started = time.monotonic()
    result = grader_batch(subs, "--out", out, "--no-train", "--only", ONLY, "--jobs", "2", "--timeout", "4")
    return subs, out, result, time.monotonic() - started


def grades(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def results(out: Path, student: str) -> dict:
    return json.loads((out / "students" / student / "results.json").read_text(encoding="utf-8"))


def test_batch_grades_every_student(klass):
    subs, out, result, seconds = klass
    assert result.returncode == 0, result.stderr
    rows = grades(out)
    assert sorted(rows) == ["alice", "bob", "carol", "dave", "erin", "frank", "gina", "henry"]
    assert list(rows["alice"])[:5] == ["student", "total", "max_score", "lenet", "batch_norm"]
    for name in ("alice", "henry"):
        assert rows[name]["total"] == rows[name]["max_score"] == "18", rows[name]
        assert rows[name]["status"] == "ok"
    assert 0 < float(rows["bob"]["lenet"]) < 9 and rows["bob"]["batch_norm"] == "0"
    assert rows["carol"]["total"] == "0" and rows["carol"]["status"] == "ok"
    assert rows["gina"]["total"] == "0"
    assert "left out notes.txt" in result.stderr
    # identical files are graded once: alice = henry (2), bob's lenet (1), the batch_norm stub of
    # bob and carol (1), carol's lenet stub (1), gina's lenet (1) and missing batch_norm (1)
    assert "(7 distinct module files)" in result.stderr
    assert "students" in result.stderr and "8/8" in result.stderr      # the progress line
    assert "7 distinct module file(s) to grade, 2 at once (--jobs 2" in result.stderr   # how many at once, and why
    assert "grading students (2 at once: --jobs 2)" in result.stderr


def test_each_student_gets_a_gradescope_results_file(klass):
    _, out, _, _ = klass
    for student in grades(out):
        data = results(out, student)
        assert set(data) >= {"score", "max_score", "execution_time", "output", "tests"}
        assert abs(sum(t["score"] for t in data["tests"]) - data["score"]) < 1e-6
        assert all(t["status"] in ("passed", "failed") and len(t["tags"]) == 2 for t in data["tests"])
        assert (out / "students" / student / "report.txt").is_file()
    meta = json.loads((out / "students" / "bob" / "batch.json").read_text())
    assert meta["files"] == {"lenet": "bob/exercises/lenet.py", "batch_norm": "bob/exercises/batch_norm.py"}
    bob = results(out, "bob")
    assert any("ReLU" in t["output"] for t in bob["tests"] if t["status"] == "failed")
    gina = results(out, "gina")
    assert any("timed out" in t["output"] for t in gina["tests"] if t["tags"][0] == "lenet")
    assert any("batch_norm.py is missing" in t["output"] for t in gina["tests"] if t["tags"][0] == "batch_norm")


@pytest.mark.parametrize("student, why", [("dave", "path traversal"), ("erin", "symbolic link"),
                                          ("frank", "zip bomb")])
def test_bad_archives_are_rejected_with_a_clear_message(klass, student, why):
    _, out, _, _ = klass
    row = grades(out)[student]
    assert row["status"] == "rejected" and row["total"] == "0" and why in row["notes"]
    data = results(out, student)
    assert why in data["output"] and all(why in t["output"] for t in data["tests"])
    assert not (out.parent / "evil.py").exists() and not (out / "evil.py").exists()


def test_class_summary_and_chart(klass):
    _, out, result, _ = klass
    text = (out / "summary.txt").read_text(encoding="utf-8")
    assert "Checks failed most often" in text and "Most common mistakes" in text
    assert "lenet / structure" in text
    assert "LeNet: ReLU instead of Sigmoid, 1 student (of 4 who attempted it)" in text     # grouped by cause
    assert text.splitlines()[0] in result.stderr
    png = (out / "summary.png").read_bytes()       # the causes that cost the most points (matplotlib)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000
    page = (out / "class.html").read_text(encoding="utf-8")      # tests/test_class_report.py: the page
    assert "ReLU instead of Sigmoid" in page and 'href="students/bob/report.txt"' in page


def test_progress_bar_on_a_terminal_log_lines_elsewhere():
    import io

    from grader.progress import progress_bar

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    quiet = io.StringIO()
    bar = progress_bar(3, desc="grading students", stream=quiet)       # not a terminal, no log: nothing
    bar.update(3)
    bar.close()
    assert quiet.getvalue() == ""

    log = io.StringIO()
    bar = progress_bar(3, desc="grading students", unit="student", log_every=10, stream=log)
    for _ in range(3):
        bar.update(1)
    bar.close()
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue() and len(lines) == 2, lines       # the start, and the end
    assert "0/3" in lines[0] and "grading students" in lines[-1] and "3/3" in lines[-1]

    terminal = Terminal()
    bar = progress_bar(3, desc="grading students", unit="student", log_every=10, leave=True, stream=terminal)
    bar.update(3)
    bar.close()
    assert "\r" in terminal.getvalue() and "3/3" in terminal.getvalue()     # tqdm's bar, redrawn in place
    from tqdm import tqdm
    assert isinstance(bar, tqdm)


def test_rerun_skips_graded_students(klass):
    subs, out, _, _ = klass
    before = (out / "students" / "alice" / "results.json").stat().st_mtime_ns
    again = grader_batch(subs, "--out", out, "--no-train", "--only", ONLY, "--timeout", "4")
    assert again.returncode == 0, again.stderr
    assert "8 already graded" in again.stderr and "0 graded" in again.stderr
    assert (out / "students" / "alice" / "results.json").stat().st_mtime_ns == before
    assert sorted(grades(out)) == ["alice", "bob", "carol", "dave", "erin", "frank", "gina", "henry"]


# -- no grading: archives and folders ------------------------------------------------------

def test_unpack_zip_takes_only_the_module_files(tmp_path):
    archive = zip_with(tmp_path / "s.zip", {
        "s/exercises/lenet.py": b"# mine\n", "s/old/lenet.py": b"# old\n", "s/vgg.py": b"# vgg\n",
        "s/notes/big.bin": bytes(5000), "s/exercises/": b""})
    files, notes, members = batch.unpack_zip(archive, tmp_path / "out", ("lenet", "vgg", "nin"))
    assert members == {"lenet": "s/exercises/lenet.py", "vgg": "s/vgg.py"}
    assert files["lenet"].read_bytes() == b"# mine\n"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["lenet.py", "vgg.py"]
    assert notes and "several lenet.py" in notes[0]


@pytest.mark.parametrize("members, modes, why", [
    ({"/etc/lenet.py": b"x"}, None, "absolute path"),
    ({"C:/work/lenet.py": b"x"}, None, "absolute path"),
    ({"a/../../lenet.py": b"x"}, None, "path traversal"),
    ({"a\\..\\..\\lenet.py": b"x"}, None, "path traversal"),
    ({"lenet.py": b"target"}, {"lenet.py": stat.S_IFLNK | 0o777}, "symbolic link"),
    ({"fifo": b""}, {"fifo": stat.S_IFIFO | 0o644}, "special file"),
    ({"lenet.py": b"x" * 1_500_000}, None, "limit 1,000,000"),
])
def test_unpack_zip_rejects(tmp_path, members, modes, why):
    archive = zip_with(tmp_path / "bad.zip", members, modes)
    with pytest.raises(batch.ZipRejected, match=why.replace("(", r"\(")):
        batch.unpack_zip(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_unpack_zip_rejects_bombs_and_junk(tmp_path):
    bomb = zip_with(tmp_path / "bomb.zip", {"zeros": bytes(20 << 20)})
    with pytest.raises(batch.ZipRejected, match="zip bomb"):
        batch.unpack_zip(bomb, tmp_path / "out")
    many = zip_with(tmp_path / "many.zip", {f"f{i}": b"" for i in range(batch.ZIP_MAX_MEMBERS + 1)})
    with pytest.raises(batch.ZipRejected, match="members"):
        batch.unpack_zip(many, tmp_path / "out")
    (tmp_path / "text.zip").write_text("not a zip")
    with pytest.raises(batch.ZipRejected, match="not a readable zip"):
        batch.unpack_zip(tmp_path / "text.zip", tmp_path / "out")
    encrypted = zip_with(tmp_path / "enc.zip", {"lenet.py": b"x"})
    data = bytearray(encrypted.read_bytes())      # zipfile cannot encrypt: set the flag bit by hand
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 0x1
    data[data.index(b"PK\x03\x04") + 6] |= 0x1
    encrypted.write_bytes(bytes(data))
    with pytest.raises(batch.ZipRejected, match="encrypted"):
        batch.unpack_zip(encrypted, tmp_path / "out")


def patched(path: Path, local: dict[int, bytes], central: dict[int, bytes]) -> Path:
    """Overwrite bytes of the first member's local header and central directory entry (offset -> bytes)."""
    data = bytearray(path.read_bytes())
    for start, fields in ((data.index(b"PK\x03\x04"), local), (data.index(b"PK\x01\x02"), central)):
        for offset, value in fields.items():
            data[start + offset:start + offset + len(value)] = value
    path.write_bytes(bytes(data))
    return path


def with_method(path: Path, method: int, members: dict[str, bytes] | None = None) -> Path:
    """A zip whose first member claims compression method ``method`` (zipfile cannot write one it cannot read)."""
    zip_with(path, members or {"lenet.py": b"x = 1\n" * 50})
    field = method.to_bytes(2, "little")
    return patched(path, {8: field}, {10: field})


def with_bad_crc(path: Path) -> Path:
    zip_with(path, {"lenet.py": b"x = 1\n" * 50})
    data = path.read_bytes()
    crc = data[data.index(b"PK\x01\x02") + 16:][:4]
    wrong = (int.from_bytes(crc, "little") ^ 0xFFFF).to_bytes(4, "little")
    return patched(path, {14: wrong}, {16: wrong})


@pytest.mark.parametrize("method, why", [
    (99, "compression method 99 (WinZip AES encryption), which the grader does not read"),
    (9, "compression method 9 (Deflate64)"),
    (4242, "compression method 4242, which"),
])
def test_unpack_zip_rejects_compression_methods_it_cannot_read(tmp_path, method, why):
    archive = with_method(tmp_path / "m.zip", method)
    with pytest.raises(batch.ZipRejected, match=why.replace("(", r"\(").replace(")", r"\)")) as caught:
        batch.unpack_zip(archive, tmp_path / "out")
    assert "'lenet.py' in the zip" in str(caught.value) and "deflate" in str(caught.value)
    assert f"压缩方法 {method}" in caught.value.zh
    assert not (tmp_path / "out").exists()
    # checked up front, for every member: one the grader would not even read rejects the archive too
    archive = with_method(tmp_path / "n.zip", method, {"notes.txt": b"n" * 100, "lenet.py": b"x = 1\n"})
    with pytest.raises(batch.ZipRejected, match="'notes.txt' in the zip uses compression method"):
        batch.unpack_zip(archive, tmp_path / "out")


def test_unpack_zip_reads_every_method_its_python_can(tmp_path):
    for method in batch.ZIP_METHODS:
        path = tmp_path / f"{method}.zip"
        with zipfile.ZipFile(path, "w", method) as archive:
            archive.writestr("lenet.py", b"x = 1\n" * 50)
        files, _, _ = batch.unpack_zip(path, tmp_path / str(method))
        assert files["lenet"].read_bytes() == b"x = 1\n" * 50
    assert {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED} <= set(batch.ZIP_METHODS)


def test_unpack_zip_rejects_damaged_archives(tmp_path):
    crc = with_bad_crc(tmp_path / "crc.zip")
    with pytest.raises(batch.ZipRejected, match="'lenet.py' in the zip is damaged: its CRC-32") as caught:
        batch.unpack_zip(crc, tmp_path / "out")
    assert "BadZipFile" in str(caught.value) and "CRC-32" in caught.value.zh
    assert not (tmp_path / "out").exists()          # nothing written from an archive that fails
    # garbage in the deflate stream: zlib.error
    cut = zip_with(tmp_path / "cut.zip", {"lenet.py": bytes(i * 7919 % 251 for i in range(3000))})
    data = bytearray(cut.read_bytes())
    local = data.index(b"PK\x03\x04")
    name_length = int.from_bytes(data[local + 26:local + 28], "little")
    body = local + 30 + name_length
    data[body:body + 200] = bytes(200)
    cut.write_bytes(bytes(data))
    with pytest.raises(batch.ZipRejected, match="'lenet.py' in the zip is damaged and could not be unpacked "
                                                r"\(zlib.error: "):
        batch.unpack_zip(cut, tmp_path / "out")
    # the local header names another file than the central directory
    other = patched(zip_with(tmp_path / "name.zip", {"lenet.py": b"x = 1\n"}), {30: b"L"}, {})
    with pytest.raises(batch.ZipRejected,
                       match=r"damaged and could not be unpacked \(zipfile.BadZipFile: File name in directory"):
        batch.unpack_zip(other, tmp_path / "out")
    # a name flagged UTF-8 that is not
    utf8 = patched(zip_with(tmp_path / "utf8.zip", {"lenet.py": b"x = 1\n"}),
                   {7: b"\x08", 30: b"\xff"}, {9: b"\x08", 46: b"\xff"})
    with pytest.raises(batch.ZipRejected, match="not a readable zip archive .UnicodeDecodeError: "):
        batch.unpack_zip(utf8, tmp_path / "out")


def test_unpack_zip_turns_any_other_error_into_a_rejection(tmp_path, monkeypatch):
    archive = zip_with(tmp_path / "s.zip", {"lenet.py": b"x = 1\n"})

    def broken(self, *args, **kwargs):
        raise ValueError("evil\nname\x1b[31m" + "x" * 1000)

    monkeypatch.setattr(zipfile.ZipFile, "open", broken)
    with pytest.raises(batch.ZipRejected) as caught:
        batch.unpack_zip(archive, tmp_path / "out")
    message = str(caught.value)
    assert message.startswith("'lenet.py' in the zip could not be unpacked (ValueError: evil\\nname\\x1b[31m")
    assert "\n" not in message and "\x1b" not in message and len(message) < 400     # escaped and capped
    assert "ValueError" in caught.value.zh and "\n" not in caught.value.zh


def test_find_modules_in_folders(tmp_path):
    for rel in ("exercises/resnet.py", "backup/resnet.py", "lenet.py", "exercises/lenet.py",
                ".venv/lib/vgg.py", "deep/a/b/c/d/e/f/nin.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("#")
    (tmp_path / "vgg.py").symlink_to("/etc/hostname")
    found, notes = batch.find_modules(tmp_path)
    assert found["resnet"] == tmp_path / "exercises" / "resnet.py"
    assert found["lenet"] == tmp_path / "lenet.py"
    assert found["vgg"] == tmp_path / "vgg.py"        # the link is kept: the grader refuses it itself
    assert "nin" not in found
    assert len(notes) == 2


# -- a worker that dies or hangs costs one file, not the batch -------------------------------

def fake_worker(connection, options):
    """Grades instantly (1 point a file, 0 for a missing one), except: dies on batch_norm, hangs on alexnet."""
    while True:
        message = connection.recv()
        if message[0] == "quit":
            return
        _, task, module, folder = message
        if module == "batch_norm":
            os._exit(9)
        if module == "alexnet":
            time.sleep(3600)
        there = (Path(folder) / f"{module}.py").is_file()      # a missing file scores 0
        connection.send(("graded", task, [{"module": module, "kind": "shapes", "name": "table",
                                           "max_score": 1.0, "score": 1.0 if there else 0.0,
                                           "status": "passed" if there else "failed",
                                           "output": "" if there else f"{module}.py is missing"}], "", 0.01))


def test_dying_and_hanging_workers_cost_one_file(tmp_path, monkeypatch):
    monkeypatch.setattr(pool, "worker", fake_worker)
    subs, out = tmp_path / "subs", tmp_path / "out"
    for student in ("s1", "s2", "s3"):
        (subs / student).mkdir(parents=True)
        for module in ("lenet", "batch_norm", "alexnet", "vgg"):
            (subs / student / f"{module}.py").write_text(f"# {student} {module}\n")
    options = batch.Options(("lenet", "batch_norm", "alexnet", "vgg"), False, "cpu", 60, 300, 3072,
                            watchdog_s=2.0)
    import io
    log = io.StringIO()
    counts = batch.run_batch(subs, out, options, jobs=2, stream=log)
    assert counts["graded"] == 3 and counts["errors"] == 3, log.getvalue()
    rows = grades(out)
    for student in ("s1", "s2", "s3"):
        assert rows[student]["status"] == "error"
        assert rows[student]["lenet"] == "1" and rows[student]["vgg"] == "1"
        assert rows[student]["batch_norm"] == "0" and rows[student]["alexnet"] == "0"
    text = log.getvalue()
    assert "the grading process stopped" in text and "took more than 2 s" in text
    data = results(out, "s1")
    assert any("could not be graded" in t["output"] for t in data["tests"])
    # errors are graded again on the next run
    assert not batch.already_graded(out / "students" / "s1",
                                    batch.prepare("s1", subs / "s1", options.modules, tmp_path, tmp_path),
                                    options)


def test_rerun_regrades_changed_submissions_and_everything_with_force(tmp_path, monkeypatch):
    monkeypatch.setattr(pool, "worker", fake_worker)
    subs, out = tmp_path / "subs", tmp_path / "out"
    for student in ("s1", "s2"):
        (subs / student).mkdir(parents=True)
        (subs / student / "lenet.py").write_text(f"# {student}\n")
    options = batch.Options(("lenet", "vgg"), False, "cpu", 60, 300, 3072)
    import io
    assert batch.run_batch(subs, out, options, jobs=1, stream=io.StringIO())["graded"] == 2
    assert batch.run_batch(subs, out, options, jobs=1, stream=io.StringIO())["skipped"] == 2
    (subs / "s2" / "vgg.py").write_text("# more work\n")
    counts = batch.run_batch(subs, out, options, jobs=1, stream=io.StringIO())
    assert counts["graded"] == 1 and counts["skipped"] == 1
    assert grades(out)["s2"]["vgg"] == "1" and grades(out)["s1"]["vgg"] == "0"
    other = batch.Options(("lenet",), False, "cpu", 60, 300, 3072)      # other options: graded again
    assert batch.run_batch(subs, out, other, jobs=1, stream=io.StringIO())["graded"] == 2
    assert batch.run_batch(subs, out, other, jobs=1, force=True, stream=io.StringIO())["graded"] == 2


def test_one_bad_archive_costs_that_student_only(tmp_path, monkeypatch):
    """Issue 12: an archive that passes the checks but fails to unpack stopped the whole class."""
    monkeypatch.setattr(pool, "worker", fake_worker)
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    with_method(subs / "ann.zip", 99)                  # a member zipfile cannot decompress
    with_bad_crc(subs / "ben.zip")                     # damaged on the way
    zip_with(subs / "cat.zip", {"cat/lenet.py": b"# cat\n"})
    options = batch.Options(("lenet", "vgg"), False, "cpu", 60, 300, 3072)
    import io
    log = io.StringIO()
    counts = batch.run_batch(subs, out, options, jobs=1, stream=log)
    assert counts["graded"] == 3 and counts["rejected"] == 2, log.getvalue()
    rows = grades(out)
    assert sorted(rows) == ["ann", "ben", "cat"]
    assert rows["cat"]["status"] == "ok" and rows["cat"]["lenet"] == "1" and rows["cat"]["vgg"] == "0"
    for student, why, zh in (("ann", "uses compression method 99", "压缩方法 99"),
                             ("ben", "is damaged: its CRC-32 checksum", "CRC-32 校验和")):
        row = rows[student]
        assert row["status"] == "rejected" and row["total"] == "0" and row["lenet"] == "0", row
        assert f"{student}.zip was rejected: 'lenet.py' in the zip {why}" in row["notes"]
        data = results(out, student)
        assert data["score"] == 0 and why in data["output"] and zh not in data["output"]
        for test in data["tests"]:                     # every check says why, in the report's language (en)
            assert why in test["output"] and zh not in test["output"] and batch.ZH_REJECTED not in test["output"]
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    assert summary
    # a rerun skips all three; a fixed archive is graded
    assert batch.run_batch(subs, out, options, jobs=1, stream=io.StringIO())["skipped"] == 3
    zip_with(subs / "ann.zip", {"lenet.py": b"# ann\n"})
    counts = batch.run_batch(subs, out, options, jobs=1, stream=io.StringIO())
    assert counts["graded"] == 1 and counts["skipped"] == 2
    assert grades(out)["ann"]["status"] == "ok" and grades(out)["ann"]["lenet"] == "1"


def test_a_submission_that_cannot_be_read_at_all_is_rejected(tmp_path, monkeypatch):
    def failing(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(students, "unpack_zip", failing)
    archive = zip_with(tmp_path / "s1.zip", {"lenet.py": b"x = 1\n"})
    student = batch.prepare("s1", archive, ("lenet",), tmp_path / "work", tmp_path)
    assert student.rejected == "s1.zip was rejected: it could not be read (MemoryError)"
    assert "MemoryError" in student.rejected_zh and student.files["lenet"][1] == "lenet:missing"


def test_parallelism_says_how_many_at_once_and_why(monkeypatch):
    monkeypatch.setattr(pool.threads, "cpus", lambda: 2)
    monkeypatch.setattr(pool, "memory_available_mb", lambda: 20_000)
    training = batch.Options(("lenet",), True, "cpu", 60, 300, 3072)
    plan = batch.parallelism(None, training, files=24)
    assert (plan.jobs, plan.threads) == (2, 1)             # one one-thread check per CPU: never more threads
    assert plan.line() == "2 at once: 2 CPUs" and "each training check on 1 thread" in plan.why
    assert batch.parallelism(1, training, files=24).line() == "1 at once: --jobs 1"
    assert batch.parallelism(None, training, files=1).line() == "1 at once: 1 distinct file"
    monkeypatch.setattr(pool, "memory_available_mb", lambda: 3000)
    plan = batch.parallelism(None, training, files=24)
    assert plan.jobs == 1 and plan.reason == "memory" and "2.9 GB free" in plan.why
    monkeypatch.setattr(pool.threads, "cpus", lambda: 64)
    monkeypatch.setattr(pool, "memory_available_mb", lambda: None)
    assert batch.parallelism(None, training, files=500).line() == f"{batch.MAX_JOBS} at once: at most {batch.MAX_JOBS}"


# -- names the students choose: inert in every class file (issue 25) --------------------------

FORMULA = '=HYPERLINK("evil.example","click")'      # a file name holds no /: no http://


def test_any_folder_or_zip_name_is_graded_and_shown_inert(tmp_path, monkeypatch):
    """A folder whose name is not UTF-8 stopped the batch (no grades.csv, on every rerun); a zip named
    ``=HYPERLINK(...).zip`` put a live formula in grades.csv; a name with a newline put "Total: 82 / 82" in
    the reports. Every student is graded, under an id made inert (``escaping.name``), with a note saying so;
    no text cell of grades.csv starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return."""
    monkeypatch.setattr(pool, "worker", fake_worker)
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    raw = os.fsencode(subs)
    for name in (b"caf\xe9", "eve\nTotal: 82 ∕ 82".encode(), b"@SUM(1+1)", b"-1", b"ok"):    # ∕: not a /
        os.mkdir(raw + b"/" + name)
        with open(raw + b"/" + name + b"/lenet.py", "w") as f:
            f.write("# mine\n")
    os.makedirs(raw + b"/ok/old\xff")                   # a second lenet.py under a name that is not UTF-8
    with open(raw + b"/ok/old\xff/lenet.py", "w") as f:
        f.write("# old\n")
    zip_with(subs / f"{FORMULA}.zip", {"lenet.py": b"# zipped\n"})
    zip_with(subs / "+cmd\r.zip", {"x\n=1+1/lenet.py": b"\0" * 10})      # a member named with a formula
    options = batch.Options(("lenet",), False, "cpu", 60, 300, 3072)
    import io
    log = io.StringIO()
    counts = batch.run_batch(subs, out, options, jobs=1, stream=log)
    assert counts["graded"] == 7 and counts["errors"] == 0, log.getvalue()
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    cells = [cell for row in rows for cell in row]
    dangerous = [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r")) and not c.lstrip("-").replace(
        ".", "", 1).isdigit()]
    assert not dangerous, dangerous
    by_student = {row[0]: row for row in rows[1:]}
    assert set(by_student) == {"caf\\xe9", "eve\\nTotal: 82 ∕ 82", "'@SUM(1+1)", "'-1", "ok", f"'{FORMULA}",
                               "'+cmd\\r"}
    assert all(row[3] == "1" for row in by_student.values())            # every one graded
    assert "not UTF-8" in by_student["caf\\xe9"][-1] and "shown escaped" in by_student["caf\\xe9"][-1]
    assert "old\\xff/lenet.py" in by_student["ok"][-1]                    # the note on the second copy
    for folder in (out / "students").iterdir():
        assert folder.name.isprintable()
        json.loads((folder / "results.json").read_text(encoding="utf-8"))
        report = (folder / "report.txt").read_text(encoding="utf-8")
        total = batch.assignment_maximum(options)       # the class's total, whatever the (fake) worker said
        assert [l for l in report.splitlines() if l.lstrip().startswith("Total:")] == [f"Total: 1 / {total:g}   (0.0 s)"]
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    assert "Total: 82" not in summary.replace("\\nTotal: 82", "")
    # a rerun skips them all: the ids are stable
    assert batch.run_batch(subs, out, options, jobs=1, stream=io.StringIO())["skipped"] == 7
