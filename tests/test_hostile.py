"""Hostile submissions: the grader cannot be gamed, hung, damaged or made to leak.

Every row of ``tests/hostile/cases.py`` is one attack, graded with small limits.
For each one the test checks that

- the score is not higher than the same submission's without the attack lines;
- grading ends in time and no process the submission started is left;
- no file of the grader, the reference solutions, another submission or the
  results changed, and nothing the attack planted exists afterwards;
- the reports (English, Chinese) and results.json carry no hidden grader
  source and no grader stack frame, and results.json stays under 1 MB;
- the report says what happened, in both languages.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from grader import sandbox
from grader.checks import POINTS
from grader.grade import grade_submission
from grader.sandbox import Limits
from tests.hostile.cases import CASES, MEMORY_MB, TAKEOVER, THREATS, TIMEOUT, Case

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "tests" / "hostile"
LIMITS = Limits(timeout=TIMEOUT, memory_mb=MEMORY_MB)
IS_ROOT = os.geteuid() == 0
ATTACK = re.compile(r"^[ \t]*# >>> attack\n.*?^[ \t]*# <<< attack\n", re.S | re.M)
GRADER_FRAME = re.compile(r'File "[^"\n]*/grader/[^"\n]*"')
SITE_PACKAGES = sysconfig.get_paths()["purelib"]


def leaked_lines() -> list[str]:
    """Lines of the hidden checks an attacker would like to see echoed back."""
    lines = [l.strip() for l in (ROOT / "grader" / "checks.py").read_text().splitlines()]
    return [l for l in lines if len(l) > 40 and ("raise CheckFailure" in l or l.startswith("def "))][:4]


SECRET_LINES = [l for l in sandbox.hidden_lines() if len(l) >= 20]


def fill(text: str, context: dict[str, str]) -> str:
    for key, value in context.items():
        text = text.replace("{{" + key + "}}", value)
    return text


class Scene:
    """A class folder: the attacker's submission, another student's, the results file."""

    def __init__(self, case: Case, tmp_path: Path):
        self.case = case
        self.marker = f"hostile-{secrets.token_hex(6)}"
        self.folder = tmp_path / "class"
        self.submission = self.folder / "alice"
        self.sibling = self.folder / "bob"
        self.results = self.folder / "results.json"
        for path in (self.submission, self.sibling):
            path.mkdir(parents=True)
        (self.sibling / "lenet.py").write_text((ROOT / "solutions" / "lenet.py").read_text())
        (self.sibling / "notes.txt").write_text("bob's work\n")
        self.results.write_text('{"score": 0}\n')
        self.context = {
            "SOLUTION": (ROOT / "solutions" / "lenet.py").read_text(),
            "STUB": (ROOT / "exercises" / "lenet.py").read_text(),
            "ROOT": str(ROOT), "SUBMISSION": str(self.submission), "SIBLING": str(self.sibling),
            "RESULTS": str(self.results), "MARKER": self.marker, "HIDDEN_LINES": repr(leaked_lines()),
            "SITE_PACKAGES": SITE_PACKAGES}

    def source(self, attack: bool = True) -> bytes | None:
        source = self.case.source
        if source is None:
            return None
        if isinstance(source, bytes):
            return source
        text = (HERE / source).read_text()
        if not attack:
            text = ATTACK.sub("", text)
        return fill(text, self.context).encode()

    def lay_out(self, folder: Path, attack: bool = True) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for module in self.case.modules[1:]:
            (folder / f"{module}.py").write_text((ROOT / "solutions" / f"{module}.py").read_text())
        target = folder / "lenet.py"
        layout, source = self.case.layout, self.source(attack)
        if layout in ("file", "symlink-dir"):
            target.write_bytes(source)
            if layout == "symlink-dir":
                (folder / "pkg").symlink_to(ROOT / "solutions")
        elif layout == "symlink-reference":
            target.symlink_to(ROOT / "solutions" / "lenet.py")
        elif layout == "symlink-outside":
            target.symlink_to("/etc/passwd")
        elif layout == "fifo":
            os.mkfifo(target)
        elif layout == "directory":
            target.mkdir()
        elif layout != "missing":
            raise ValueError(layout)
        return folder

    def fingerprint(self) -> dict[str, str]:
        """Hashes of everything outside the attacker's folder that it must not change."""
        state = {}
        for path in sorted(self.folder.rglob("*")):
            if self.submission in path.parents or path == self.submission or "baseline" in path.parts:
                continue
            info = path.lstat()
            data = path.read_bytes() if path.is_file() and not path.is_symlink() else b""
            state[str(path)] = f"{oct(info.st_mode)} {hashlib.sha256(data).hexdigest()}"
        for folder in (ROOT / "grader", ROOT / "solutions"):
            state[str(folder)] = oct(folder.stat().st_mode)
        return state

    def planted(self) -> list[str]:
        """Files anywhere the attacks write to that carry this case's marker."""
        found = []
        for folder in (ROOT / "grader", ROOT / "solutions", ROOT / "tests", ROOT / "exercises", self.folder):
            for path in folder.rglob("*"):
                if self.marker in path.name:
                    found.append(str(path))
                elif self.submission in path.parents or "baseline" in path.parts:
                    continue        # the attacker's own files hold the marker
                elif path.is_file() and not path.is_symlink() and path.suffix in (".py", ".json", ".txt", ".pyc", ""):
                    try:
                        if self.marker.encode() in path.read_bytes():
                            found.append(str(path))
                    except OSError:
                        pass
        for path in [Path(SITE_PACKAGES) / f"{self.marker}.pth", Path("/tmp") / self.marker,
                     Path("/var/tmp") / self.marker, Path("/dev/shm") / self.marker]:
            if path.exists():
                found.append(str(path))
        return found


class Recorder:
    """Which sandboxes a grading started (their uids and sessions), to look for leftovers."""

    def __init__(self, monkeypatch):
        self.sandboxes: list[sandbox.Sandbox] = []
        original = sandbox.Sandbox.start
        recorder = self

        def start(self, source):
            original(self, source)
            recorder.sandboxes.append(self)
            self.recorded = (self.uid, self.session)
        monkeypatch.setattr(sandbox.Sandbox, "start", start)

    def leftovers(self, printed: str) -> list[str]:
        live = {s.recorded for s in sandbox._LIVE.values() if hasattr(s, "recorded")}
        mine = [s.recorded for s in self.sandboxes if s.recorded not in live]
        uids = {uid for uid, _ in mine if uid is not None}
        sessions = {session for _, session in mine}
        found = []
        for entry in filter(str.isdigit, os.listdir("/proc")):
            try:
                status = sandbox.proc_status(entry)
                with open(f"/proc/{entry}/stat", "rb") as f:
                    session = int(f.read().rsplit(b")", 1)[1].split()[3])
            except (OSError, KeyError, ValueError, IndexError):
                continue
            if set(status["Uid"].split()) & {str(u) for u in uids} or session in sessions:
                found.append(f"{entry} {status.get('Name')} {status.get('State')}")
        for pid in re.findall(r"PID=(\d+)", printed):
            if Path(f"/proc/{pid}").exists() and sandbox.proc_status(pid).get("State", "").startswith(("R", "S", "D", "T")):
                if any(str(u) in sandbox.proc_status(pid)["Uid"].split() for u in uids) or not IS_ROOT:
                    found.append(f"{pid} (printed by the submission)")
        return found


def grade(submission: Path, modules) -> tuple:
    started = time.monotonic()
    report = grade_submission(submission, modules, train=False, limits=LIMITS)
    return report, time.monotonic() - started


def grade_cli(submission: Path, results: Path, modules) -> tuple[dict, str, float]:
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "grader", "grade", str(submission), "--only", ",".join(modules),
                          "--no-train", "--json", str(results), "--timeout", str(TIMEOUT), "--memory",
                          str(MEMORY_MB)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(results.read_text()), run.stdout, time.monotonic() - started


def assert_no_leak(*texts: str) -> None:
    for text in texts:
        frames = GRADER_FRAME.findall(text)
        assert not frames, f"grader stack frames in the feedback: {frames[:3]}"
        leaked = [line for line in SECRET_LINES if line in text]
        assert not leaked, f"hidden grader source in the feedback: {leaked[:3]}"


@pytest.fixture(scope="module", autouse=True)
def warm_grader():
    """Start the zygote and the reference sandboxes once, outside the timed cases."""
    grade_submission(ROOT / "solutions", ("lenet", "batch_norm"), train=False, limits=LIMITS)


def test_every_threat_of_the_issue_has_cases():
    assert set(THREATS) >= {"hang", "resources", "processes", "exit", "forgery", "cheating", "snooping",
                            "persistence", "malformed"}
    for case in CASES:
        if isinstance(case.source, str):
            assert (HERE / case.source).is_file(), case.source


def test_an_honest_report_passes_the_leak_checks():
    report, _ = grade(ROOT / "solutions", ("lenet",))
    assert_no_leak(report.text("en"), report.text("zh"), json.dumps(report.gradescope(), ensure_ascii=False))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_hostile_submission(case: Case, tmp_path, monkeypatch):
    if case.root_only and not IS_ROOT:
        pytest.skip(f"needs the root sandbox: {case.notes or 'a non-root grader cannot stop this attack'}")
    scene = Scene(case, tmp_path)
    if case.baseline == "strip":
        honest, _ = grade(scene.lay_out(tmp_path / "baseline"), case.modules)
        baseline = honest.score
    else:
        baseline = 0.0
    submission = scene.lay_out(scene.submission)
    before = scene.fingerprint()
    recorder = Recorder(monkeypatch)

    if case.cli:
        data, stdout, elapsed = grade_cli(submission, scene.results, case.modules)
        score, texts = data["score"], [stdout, json.dumps(data, ensure_ascii=False)]
        assert scene.results.stat().st_size < 1_000_000
        zh_text, printed = subprocess.run(
            [sys.executable, "-m", "grader", "grade", str(submission), "--only", ",".join(case.modules),
             "--no-train", "--timeout", str(TIMEOUT), "--memory", str(MEMORY_MB), "--lang", "zh"],
            cwd=ROOT, capture_output=True, text=True, timeout=300).stdout, ""
        scene.results.write_text('{"score": 0}\n')     # the grader wrote it: that is allowed
        before[str(scene.results)] = scene.fingerprint()[str(scene.results)]
    else:
        report, elapsed = grade(submission, case.modules)
        score, zh_text = report.score, report.text("zh")
        gradescope = json.dumps(report.gradescope(), ensure_ascii=False)
        assert len(gradescope.encode()) < 1_000_000
        texts = [report.text("en"), gradescope]
        printed = "\n".join(report.printed.values())
        for module in case.modules[1:]:
            assert all(r.status == "passed" for r in report.results if r.module == module), \
                f"{module} lost points to an attack in lenet.py"

    # the score
    assert score <= baseline + 1e-9, f"the attack earned {score} > {baseline} (honest)"
    if case.equal:
        assert score == pytest.approx(baseline), "the attack must not change the honest part's score"
    # time and processes
    assert elapsed <= case.max_seconds, f"grading took {elapsed:.1f} s"
    assert recorder.leftovers(printed) == []
    # files
    assert scene.fingerprint() == before
    assert scene.planted() == []
    # messages, and no leak
    for expected in case.expect:
        assert expected in texts[0], f"{expected!r} not in the report:\n{texts[0][-3000:]}"
    for expected in case.expect_zh:
        assert expected in zh_text, f"{expected!r} not in the Chinese report:\n{zh_text[-3000:]}"
    for expected in case.printed:
        assert expected in printed, f"{expected!r} not in what the module printed:\n{printed[-3000:]}"
    assert_no_leak(*texts, zh_text)
    assert "\x1b" not in "".join(texts) + zh_text


def test_a_takeover_of_the_channel_earns_no_point_that_needs_the_reference(tmp_path, monkeypatch):
    """The known limit: public knowledge can be forged, the reference's computation cannot."""
    scene = Scene(TAKEOVER, tmp_path)
    submission = scene.lay_out(scene.submission)
    recorder = Recorder(monkeypatch)
    report, elapsed = grade(submission, ("lenet",))
    earned = {r.kind for r in report.results if r.score > 0}
    assert earned <= {"shapes", "params", "behaviour", "training"}, earned
    assert report.score <= sum(POINTS["lenet"][k] for k in ("shapes", "params", "behaviour"))
    assert all(r.score == 0 for r in report.results if r.kind in ("structure", "property"))
    assert elapsed <= TIMEOUT + 12
    assert recorder.leftovers("") == []
    assert_no_leak(report.text("en"), report.text("zh"), json.dumps(report.gradescope(), ensure_ascii=False))


@pytest.mark.skipif(not IS_ROOT, reason="the private mount namespace needs root")
def test_the_sandbox_hides_the_grader_world():
    """As root the child sees empty folders where the repository and other submissions are."""
    notes = sandbox.isolation_notes()
    if notes:
        pytest.skip(notes[0])
    scratch = Path(sandbox.tempfile.mkdtemp())
    (scratch / "lenet.py").write_text(
        "import os\n"
        f"print('repo:', sorted(os.listdir({str(ROOT)!r})))\n"
        f"print('grader:', sorted(os.listdir({str(ROOT / 'grader')!r})) if os.path.isdir({str(ROOT / 'grader')!r}) else [])\n"
        f"print('venv readable:', os.path.isdir({sys.prefix!r} + '/lib'))\n"
        "print('tmp:', sorted(os.listdir('/tmp')))\n"
        "print('uid:', os.getuid())\n")
    box = sandbox.Sandbox(scratch, "lenet", LIMITS)
    box.start((scratch / "lenet.py").read_bytes())
    box.request("import", "importing lenet.py")
    assert box.hello == {"hidden": True, "why": ""}
    printed = box.close()
    repo = re.search(r"repo: (.*)", printed).group(1)
    assert "'solutions'" not in repo and "'tests'" not in repo and "'.git'" not in repo, printed
    grader = eval(re.search(r"grader: (.*)", printed).group(1))
    assert set(grader) <= set(sandbox.EXPOSED_GRADER_FILES), printed      # the trainer's calibration only
    assert "venv readable: True" in printed
    tmp = eval(re.search(r"tmp: (.*)", printed).group(1))
    # besides its own scratch folder, only the way to a Python installation under /tmp (a clone there)
    on_the_way = {Path(p).relative_to("/tmp").parts[0] for p in (sys.prefix, sys.base_prefix)
                  if p.startswith("/tmp/")}
    assert [t for t in tmp if t.startswith("grader-lenet-")] and set(tmp) - on_the_way == {
        t for t in tmp if t.startswith("grader-lenet-")}, printed
    assert "uid: 0" not in printed
