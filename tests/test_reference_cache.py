"""The reference's observations on disk (``grader/reference_cache.py``): a second ``grade`` asks no reference."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader import grade, reference_cache, threads

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fresh_references(monkeypatch):
    monkeypatch.setattr(grade, "REFERENCES", {})
    monkeypatch.setattr(grade, "RESULTS_CACHE", {})
    yield
    for observer in grade.REFERENCES.values():
        observer.close()


def test_a_second_grading_reads_the_reference_from_disk(tmp_path, monkeypatch, fresh_references):
    monkeypatch.setenv(reference_cache.VARIABLE, str(tmp_path / "cache"))
    first = grade.grade_submission(ROOT / "solutions", ("lenet",), train=False)
    assert first.score == first.max_score
    files = list((tmp_path / "cache").glob("lenet-*.json"))
    assert len(files) == 1 and (files[0].stat().st_mode & 0o077) == 0
    saved = json.loads(files[0].read_text())
    assert saved["module"] == "lenet" and saved["entries"]
    assert not any(op == "pace" for op, _, _ in saved["entries"])

    for observer in grade.REFERENCES.values():
        observer.close()
    monkeypatch.setattr(grade, "REFERENCES", {})
    monkeypatch.setattr(grade, "RESULTS_CACHE", {})
    started = []
    real = grade.Sandbox

    def counting(submission, module, limits, slot=0, data_dir=None):
        started.append((Path(submission), slot))
        return real(submission, module, limits, slot=slot, data_dir=data_dir)
    monkeypatch.setattr(grade, "Sandbox", counting)
    again = grade.grade_submission(ROOT / "solutions", ("lenet",), train=False)
    assert [(r.name, r.score) for r in again.results] == [(r.name, r.score) for r in first.results]
    assert started == [(ROOT / "solutions", 0)]        # the submission's sandbox only: none for the reference


def test_the_key_follows_the_solution_the_grader_and_torch(monkeypatch):
    source = (ROOT / "solutions" / "lenet.py").read_bytes()
    key = reference_cache.key("lenet", source)
    assert reference_cache.key("lenet", source + b"\n# changed\n") != key
    assert reference_cache.key("batch_norm", source) != key
    monkeypatch.setattr(reference_cache, "torch_release", lambda: "0.0.1")
    assert reference_cache.key("lenet", source) != key
    monkeypatch.setattr(reference_cache, "_CODE", "another grader")
    assert reference_cache.key("lenet", source) != key


def test_off_without_root_unless_asked(monkeypatch, tmp_path):
    monkeypatch.delenv(reference_cache.VARIABLE, raising=False)
    monkeypatch.setattr(reference_cache.os, "geteuid", lambda: 1000)
    assert reference_cache.folder() is None          # a submission runs as the grader's user: it could rewrite it
    monkeypatch.setenv(reference_cache.VARIABLE, "on")
    assert reference_cache.folder() == ROOT / ".cache" / "reference"
    monkeypatch.setattr(reference_cache.os, "geteuid", lambda: 0)
    monkeypatch.setenv(reference_cache.VARIABLE, "off")
    assert reference_cache.folder() is None
    monkeypatch.setenv(reference_cache.VARIABLE, str(tmp_path))
    assert reference_cache.folder() == tmp_path


def test_threads_environment(monkeypatch):
    for name in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "GRADER_OMP"):
        monkeypatch.delenv(name, raising=False)
    assert threads.configure_environment() == threads.WAIT
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")            # the user's choice stands
    assert threads.wait_settings() == {}
    monkeypatch.delenv("OMP_WAIT_POLICY")
    monkeypatch.setenv("GRADER_OMP", "default")
    assert threads.wait_settings() == {}
    assert threads.CHECK_THREADS == 1 and threads.cpus() >= 1
