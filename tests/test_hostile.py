"""Hostile submissions: the grader cannot be gamed, hung, damaged or made to leak.

Every row of ``tests/hostile/cases.py`` is one attack, graded with small limits.
For each one the test checks that

- the score is not higher than the same submission's without the attack lines;
- grading ends in time and no process the submission started is left;
- no file of the grader, the reference solutions, another submission or the
  results changed, and nothing the attack planted exists afterwards;
- no System V IPC object, no file in a world-writable folder and no scratch
  folder in /tmp outlives grading, even when the grading process is killed;
- the reports (English, Chinese) and results.json carry no hidden grader
  source and no grader stack frame, and results.json stays under 1 MB;
- the report says what happened, in both languages, and nothing the submission controls starts a line
  of it (one "Total:" line: names are one inert line, messages are indented);
- nothing reached the grading machine's network: a TCP listener on 127.0.0.1
  and abstract unix sockets the test opens (``{{PORT}}``, ``{{ABSTRACT}}``).
"""
from __future__ import annotations

import ctypes
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import tracemalloc
import zlib
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import sandbox
from grader.checking.outcome import GraderBroken
from grader.grade import grade_submission, training_data_dir
from grader.hidden import hidden_files
from grader.sandbox import Limits
from tests.hostile.cases import CASES, LOOKUP, MEMORY_MB, TAKEOVER, THREATS, TIMEOUT, Case

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "tests" / "hostile"
LIMITS = Limits(timeout=TIMEOUT, memory_mb=MEMORY_MB)
NESTED_CLASS_HOME = Path("/var/lib") if Path("/var/lib").is_dir() else Path("/var")
IS_ROOT = os.geteuid() == 0
ATTACK = re.compile(r"^[ \t]*# >>> attack\n.*?^[ \t]*# <<< attack\n", re.S | re.M)
GRADER_FRAME = re.compile(r'File "[^"\n]*/grader/[^"\n]*"')
SITE_PACKAGES = sysconfig.get_paths()["purelib"]


def leaked_lines() -> list[str]:
    """Lines of the hidden checks an attacker would like to see echoed back."""
    lines = [l.strip() for path in hidden_files() for l in path.read_text().splitlines()]
    return [l for l in lines if len(l) > 40 and ("raise CheckFailure" in l or l.startswith("def "))][:4]


SECRET_LINES = [l for l in sandbox.hidden_lines() if len(l) >= 20]


@lru_cache(maxsize=1)
def world_writable_folders() -> tuple[str, ...]:
    """Every folder anyone may write on this machine (outside /proc and /sys): where a sandbox could leave files."""
    run = subprocess.run(["find", "/", "(", "-path", "/proc", "-o", "-path", "/sys", ")", "-prune", "-o",
                          "-type", "d", "-perm", "-0002", "-print"], capture_output=True, text=True, timeout=120)
    return tuple(sorted({os.path.realpath(p) for p in run.stdout.split()}))


def sysv_objects(key: int, remove: bool = False) -> list[str]:
    """System V shared-memory segments and message queues with this key, in the grader's IPC namespace."""
    found = []
    for kind in ("shm", "msg"):
        try:
            rows = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields and int(fields[0]) == key:
                found.append(f"{kind} id {fields[1]}")
                if remove:
                    libc = ctypes.CDLL(None)
                    (libc.shmctl if kind == "shm" else libc.msgctl)(int(fields[1]), 0, None)     # IPC_RMID
    return found


def private_tmpdir(tmp_path: Path) -> tuple[dict, Path]:
    """An environment whose TMPDIR is a folder of this test's own: the grader's scratch folders go
    there, so that no other grading on the machine blurs what this one leaves behind."""
    folder = tmp_path / "grader-tmp"
    folder.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(folder)}, folder


def scratch_left(folder: Path) -> list[str]:
    """The sandboxes' scratch folders in ``folder`` (torch may keep a cache of its own there)."""
    return sorted(name for name in os.listdir(folder) if name.startswith("grader-"))


def processes_naming(marker: str) -> list[int]:
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


def fill(text: str, context: dict[str, str]) -> str:
    for key, value in context.items():
        text = text.replace("{{" + key + "}}", value)
    return text


class Listeners:
    """The grading machine's network, as a module would like to reach it: a TCP listener on
    127.0.0.1 (``{{PORT}}``) and abstract unix sockets (``{{ABSTRACT}}``, stream; and
    ``{{ABSTRACT}}-dgram``, datagrams). ``contacts`` says what reached them."""

    def __init__(self, marker: str):
        self.name = f"grader-{marker}"
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.stream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.stream.bind("\0" + self.name)
        self.stream.listen()
        self.dgram = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.dgram.bind("\0" + self.name + "-dgram")
        self.port = self.tcp.getsockname()[1]

    def contacts(self) -> list[str]:
        found = []
        for label, server in (("tcp 127.0.0.1", self.tcp), ("abstract stream", self.stream)):
            server.setblocking(False)
            while True:
                try:
                    connection, _ = server.accept()
                except BlockingIOError:
                    break
                with connection:
                    connection.settimeout(1)
                    try:
                        data = connection.recv(1 << 16)
                    except OSError:
                        data = b""
                found.append(f"{label}: a connection, {data[:80]!r}")
        self.dgram.setblocking(False)
        while True:
            try:
                found.append(f"abstract dgram: {self.dgram.recv(1 << 16)[:80]!r}")
            except BlockingIOError:
                break
        return found

    def close(self) -> None:
        for server in (self.tcp, self.stream, self.dgram):
            server.close()


class Scene:
    """A class folder: the attacker's submission, another student's, the results file."""

    def __init__(self, case: Case, tmp_path: Path):
        self.case = case
        self.marker = f"hostile-{secrets.token_hex(6)}"
        self.key = zlib.crc32(self.marker.encode()) & 0x7FFFFFFF       # of the attacks' SysV objects
        self.home = None
        if case.nested_class:      # CLASS/<student>/exercises, outside the private /tmp
            self.home = NESTED_CLASS_HOME / f"grader-{self.marker}"
            self.folder = self.home / "class"
            self.submission = self.folder / "alice" / "exercises"
            self.sibling = self.folder / "bob" / "exercises"
        else:
            self.folder = tmp_path / "class"
            self.submission = self.folder / "alice"
            self.sibling = self.folder / "bob"
        self.results = self.folder / "results.json"
        for path in (self.submission, self.sibling):
            path.mkdir(parents=True)
        target = case.modules[0]            # the module the attack is written as
        (self.sibling / f"{target}.py").write_text((ROOT / "solutions" / f"{target}.py").read_text())
        (self.sibling / "notes.txt").write_text("bob's work\n")
        self.results.write_text('{"score": 0}\n')
        self.context = {
            "SOLUTION": (ROOT / "solutions" / f"{target}.py").read_text(),
            "STUB": (ROOT / "exercises" / f"{target}.py").read_text(),
            "ROOT": str(ROOT), "SUBMISSION": str(self.submission), "SIBLING": str(self.sibling),
            "DATA_DIR": data_dir_or_none(),
            "RESULTS": str(self.results), "MARKER": self.marker, "HIDDEN_LINES": repr(leaked_lines()),
            "SITE_PACKAGES": SITE_PACKAGES, "MEMORY_MB": str(case.memory_mb)}
        text = (HERE / case.source).read_text() if isinstance(case.source, str) else ""
        self.listeners = Listeners(self.marker) if "{{PORT}}" in text or "{{ABSTRACT}}" in text else None
        if self.listeners is not None:
            self.context.update(PORT=str(self.listeners.port), ABSTRACT=self.listeners.name)

    def network_contacts(self) -> list[str]:
        return self.listeners.contacts() if self.listeners is not None else []

    def remove(self) -> None:
        """Whatever the attack left (reported by ``planted`` first), so that no later test sees it."""
        if self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)
        if self.listeners is not None:
            self.listeners.close()
        for folder in world_writable_folders():
            for path in Path(folder).glob(f"*{self.marker}*"):
                if path.is_file() or path.is_symlink():
                    path.unlink()
        sysv_objects(self.key, remove=True)

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
        target = folder / f"{self.case.modules[0]}.py"
        layout, source = self.case.layout, self.source(attack)
        if layout in ("file", "symlink-dir"):
            target.write_bytes(source)
            if layout == "symlink-dir":
                (folder / "pkg").symlink_to(ROOT / "solutions")
        elif layout == "symlink-reference":
            target.symlink_to(ROOT / "solutions" / f"{self.case.modules[0]}.py")
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
        for folder in world_writable_folders():
            found += [str(path) for path in Path(folder).glob(f"*{self.marker}*")]
        return found + sysv_objects(self.key)


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


def grade(submission: Path, modules, limits: Limits = LIMITS) -> tuple:
    started = time.monotonic()
    report = grade_submission(submission, modules, train=False, limits=limits)
    return report, time.monotonic() - started


def grade_cli(submission: Path, results: Path, modules, tmp_path: Path) -> tuple[dict, str, float]:
    started, (env, scratch) = time.monotonic(), private_tmpdir(tmp_path)
    run = subprocess.run([sys.executable, "-m", "grader", "grade", str(submission), "--only", ",".join(modules),
                          "--no-train", "--json", str(results), "--timeout", str(TIMEOUT), "--memory",
                          str(MEMORY_MB)], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    assert not scratch_left(scratch), f"scratch folders left behind: {scratch_left(scratch)}"
    return json.loads(results.read_text()), run.stdout, time.monotonic() - started


def kill_the_grader(scene: "Scene", submission: Path, tmp_path: Path) -> float:
    """Grade through the command line and SIGKILL the grading process once the module's helper runs.

    Returns how long the helper and the scratch folders took to go (asserting that they did).
    """
    env, scratch = private_tmpdir(tmp_path)
    grader = subprocess.Popen([sys.executable, "-m", "grader", "grade", str(submission), "--only", "lenet",
                               "--no-train", "--timeout", "60"], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 90
        while not processes_naming(scene.marker):
            assert grader.poll() is None, "the grader ended before the module's helper started"
            assert time.monotonic() < deadline, "the module's helper never started"
            time.sleep(0.1)
        time.sleep(0.5)
    finally:
        grader.send_signal(signal.SIGKILL)
        grader.wait()
    killed = time.monotonic()
    while time.monotonic() - killed < 10 and (processes_naming(scene.marker) or scratch_left(scratch)):
        time.sleep(0.1)
    left = processes_naming(scene.marker)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"the submission's helper outlived the grader: {left}"
    assert not scratch_left(scratch), f"scratch folders left behind: {scratch_left(scratch)}"
    return time.monotonic() - killed


def assert_no_leak(*texts: str) -> None:
    for text in texts:
        frames = GRADER_FRAME.findall(text)
        assert not frames, f"grader stack frames in the feedback: {frames[:3]}"
        leaked = [line for line in SECRET_LINES if line in text]
        assert not leaked, f"hidden grader source in the feedback: {leaked[:3]}"



@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(sandbox.hidden_lines()), st.text(max_size=30),
                          st.sampled_from(sandbox.hidden_lines()).map(lambda line: line[:len(line) // 2])),
                max_size=6))
def test_cleaned_text_holds_no_line_of_the_hidden_source(pieces):
    """Whole hidden lines go, whatever surrounds them (halves of lines, other lines, any text); the rest stays."""
    text = "".join(pieces)
    cleaned = sandbox.clean_text(text)
    assert not [line for line in sandbox.hidden_lines() if line in cleaned]
    if not [line for line in sandbox.hidden_lines() if line in text]:
        assert cleaned == sandbox.clean_text(cleaned) and len(cleaned) >= len(text)

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
    if case.needs_cgroup and not sandbox.zygote().info.get("cgroup"):
        pytest.skip(f"no memory cgroup on this machine: {case.notes}")
    scene = Scene(case, tmp_path)
    try:
        check_hostile_submission(case, scene, tmp_path, monkeypatch)
    finally:
        scene.remove()


def check_hostile_submission(case: Case, scene: Scene, tmp_path: Path, monkeypatch) -> None:
    limits = Limits(timeout=TIMEOUT, memory_mb=case.memory_mb)
    if case.baseline == "strip" and not case.kill_grader:
        honest, _ = grade(scene.lay_out(tmp_path / "baseline", attack=False), case.modules, limits)
        baseline = honest.score
    else:
        baseline = 0.0
    submission = scene.lay_out(scene.submission)
    before = scene.fingerprint()
    recorder = Recorder(monkeypatch)

    if case.kill_grader:
        elapsed = kill_the_grader(scene, submission, tmp_path)
        assert elapsed <= case.max_seconds
        assert scene.fingerprint() == before
        assert scene.planted() == []
        return
    if case.cli:
        data, stdout, elapsed = grade_cli(submission, scene.results, case.modules, tmp_path)
        score, texts = data["score"], [stdout, json.dumps(data, ensure_ascii=False)]
        assert scene.results.stat().st_size < 1_000_000
        zh_text, printed = subprocess.run(
            [sys.executable, "-m", "grader", "grade", str(submission), "--only", ",".join(case.modules),
             "--no-train", "--timeout", str(TIMEOUT), "--memory", str(MEMORY_MB), "--lang", "zh"],
            cwd=ROOT, capture_output=True, text=True, timeout=300).stdout, ""
        scene.results.write_text('{"score": 0}\n')     # the grader wrote it: that is allowed
        before[str(scene.results)] = scene.fingerprint()[str(scene.results)]
    else:
        for attempt in range(case.repeat):
            if attempt:     # another student's file: the grader does not grade the same source twice
                with open(submission / f"{case.modules[0]}.py", "a") as f:
                    f.write(f"\n# student {attempt + 1}\n")
            report, elapsed = grade(submission, case.modules, limits)
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
    # files, and the network
    assert scene.fingerprint() == before
    assert scene.planted() == []
    assert scene.network_contacts() == [], "the module reached the grading machine's network"
    # messages, and no leak
    for expected in case.expect:
        assert expected in texts[0], f"{expected!r} not in the report:\n{texts[0][-3000:]}"
    for expected in case.expect_zh:
        assert expected in zh_text, f"{expected!r} not in the Chinese report:\n{zh_text[-3000:]}"
    for expected in case.printed:
        assert expected in printed, f"{expected!r} not in what the module printed:\n{printed[-3000:]}"
    for achieved in case.not_printed:
        assert achieved not in printed, f"the attack printed {achieved!r}:\n{printed[-3000:]}"
    assert_no_leak(*texts, zh_text)
    assert "\x1b" not in "".join(texts) + zh_text
    assert_no_forged_lines(texts[0], zh_text)


def assert_no_forged_lines(english: str, chinese: str) -> None:
    """Nothing a submission controls passes for a line of the report's own: its names are one line each, and
    every line of its messages and output is indented under a check (``GradeReport.text``): one total starts
    a line, in each language."""
    for text, total in ((english, "Total:"), (chinese, "总分:")):
        forged = [line for line in text.splitlines() if line.startswith(total)]
        assert len(forged) == 1, f"lines that read as the report's total: {forged}"


def data_dir_or_none() -> str:
    """The Fashion-MNIST folder the grader trains on, as an attack would like to find it."""
    try:
        return str(training_data_dir())
    except GraderBroken:
        return ""


NO_NETWORK = [TAKEOVER, LOOKUP]


@pytest.mark.parametrize("train", [False, True], ids=["without-training", "with-training"])
@pytest.mark.parametrize("case", NO_NETWORK, ids=lambda c: c.id)
def test_no_network_earns_at_most_a_tenth_of_the_points(case, train, tmp_path, monkeypatch):
    """Every number that earns points is measured on the replay of what the network computes
    (computation/replay.py), in a process without student code: a module that takes over its own
    process, or fakes its layers and looks images up in found test data, gets at most 10 %."""
    if train:
        try:
            training_data_dir()
        except GraderBroken as error:
            pytest.skip(f"no Fashion-MNIST for the training check: {str(error)[:200]}")
    scene = Scene(case, tmp_path)
    submission = scene.lay_out(scene.submission)
    recorder = Recorder(monkeypatch)
    started = time.monotonic()
    report = grade_submission(submission, ("lenet",), train=train, limits=LIMITS)
    elapsed = time.monotonic() - started
    assert report.score <= 0.1 * report.max_score, report.text("en")
    assert elapsed <= TIMEOUT + 12 + (60 if train else 0)
    assert recorder.leftovers("") == []
    assert_no_leak(report.text("en"), report.text("zh"), json.dumps(report.gradescope(), ensure_ascii=False))
    if case is LOOKUP and IS_ROOT and not sandbox.isolation_notes():
        assert "found: None" in report.text("en"), "student code found the test data"


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
    assert box.hello["hidden"] and box.hello["why"] == "" and box.hello["notes"] == [], box.hello
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


# -- the network -----------------------------------------------------------------------------

NETWORK_CASES = [case for case in CASES if case.threat == "network"]


def attack_lines(scene: Scene) -> str:
    """The attack part of a case's file, placeholders filled (without the honest module)."""
    return "".join(ATTACK.findall(fill((HERE / scene.case.source).read_text(), scene.context)))


@pytest.mark.parametrize("case", NETWORK_CASES, ids=lambda c: c.id)
def test_the_network_attacks_reach_an_unsandboxed_listener(case: Case, tmp_path):
    """The network cases test something: run outside the sandbox, their attack lines get through."""
    scene = Scene(case, tmp_path)
    try:
        run = subprocess.run([sys.executable, "-c", attack_lines(scene)], capture_output=True, text=True,
                             timeout=60, cwd=tmp_path)
        assert ": sent" in run.stdout, run.stdout + run.stderr
        assert scene.network_contacts() != []
    finally:
        scene.remove()


@pytest.mark.skipif(not IS_ROOT, reason="bubblewrap starts the zygote as root only")
def test_the_zygote_runs_in_bubblewrap_off_the_network():
    """Where bwrap works, the zygote (and so every child) has a network namespace of its own."""
    prefix, why = sandbox.bwrap_prefix()
    if not prefix:
        pytest.skip(f"bubblewrap is not usable here: {why}")
    z = sandbox.zygote()
    assert z.info["bwrap"] and z.info["network"] == {"zygote": True, "child": True, "why": ""}, z.info
    assert z.pid != z.proc.pid and z.pid in sandbox.descendants(z.proc.pid)      # bwrap's child
    assert os.readlink(f"/proc/{z.pid}/ns/net") != os.readlink("/proc/self/ns/net")
    assert not any("network" in note for note in sandbox.isolation_notes())


@pytest.mark.skipif(not IS_ROOT, reason="a network namespace needs root")
def test_without_bubblewrap_each_child_is_still_off_the_network(tmp_path, monkeypatch):
    """The fallback: a zygote started plainly (GRADER_BWRAP=0, or no bwrap) shares the machine's
    network, and each child unshares one of its own."""
    monkeypatch.setenv("GRADER_BWRAP", "0")
    plain = sandbox.Zygote().ready()
    try:
        assert not plain.info["bwrap"] and not plain.info["network"]["zygote"] and plain.info["network"]["child"]
        assert os.readlink(f"/proc/{plain.pid}/ns/net") == os.readlink("/proc/self/ns/net")
        monkeypatch.setattr(sandbox.zygote_client, "_ZYGOTE", plain)    # the part that keeps it
        for case in NETWORK_CASES:
            scene = Scene(case, tmp_path / case.id)
            try:
                submission = scene.lay_out(scene.submission)
                box = sandbox.Sandbox(submission, "lenet", LIMITS)
                box.start((submission / "lenet.py").read_bytes())
                box.request("import", "importing lenet.py")
                assert box.hello["notes"] == [], box.hello
                printed = box.close()
                assert "connect failed" in printed and ": sent" not in printed, printed
                assert scene.network_contacts() == []
            finally:
                scene.remove()
    finally:
        plain.sock.close()
        plain.proc.wait(timeout=30)



def test_the_zygote_imports_torchs_compiler_only_for_children_that_train(tmp_path, monkeypatch):
    """torch would import its compiler (1.7 s of the zygote's start) on the first meta-device dropout or
    linear, only to mark its Python kernels "never compile": the zygote marks them itself. Optimizers import
    the compiler at every step, so the zygote imports it before forking the first child given the data."""
    fresh = sandbox.Zygote().ready()
    try:
        assert fresh.info["kernels_marked"] > 0 and fresh.info["compiler"] is False, fresh.info
        monkeypatch.setattr(sandbox.zygote_client, "_ZYGOTE", fresh)
        source = (ROOT / "solutions" / "lenet.py").read_bytes()

        def hello(**data) -> dict:
            box = sandbox.Sandbox(ROOT / "solutions", "lenet", LIMITS, **data)
            box.start(b"" if box.replay else source)
            try:
                if box.replay:          # holds no student code: any question brings its greeting
                    try:
                        box.request("import", "asking a replay")
                    except sandbox.StudentError:
                        pass
                    return box.hello
                box.request("import", "importing lenet.py")
                box.request("graph", "recording lenet's graph", call="lenet()", input_shape=[2, 1, 28, 28])
                return box.hello
            finally:
                box.close()

        assert hello()["compiler"] is False
        assert hello(data_dir=tmp_path, replay=True)["compiler"] is True     # only a replay trains
        assert hello()["compiler"] is True           # imported once, for every child after
    finally:
        fresh.sock.close()
        fresh.proc.wait(timeout=30)


# -- forged reply lengths --------------------------------------------------------------------

@pytest.mark.parametrize("case", [c for c in CASES if c.id in ("forge-channel-oversized", "forge-channel-short")],
                         ids=lambda c: c.id)
def test_a_forged_reply_length_costs_the_grader_no_memory(case: Case, tmp_path):
    """The grader's buffer grows with the bytes that came, never with the length claimed (2 GB, 30 MB)."""
    assert_graded_in_memory(case, tmp_path, 8 * 2**20)


def assert_graded_in_memory(case: Case, tmp_path, limit: int) -> None:
    """Grade ``case``: the grader's Python allocations stay under ``limit`` bytes, the report says why, in time."""
    scene = Scene(case, tmp_path)
    try:
        submission = scene.lay_out(scene.submission)
        tracemalloc.start()
        try:
            report, elapsed = grade(submission, case.modules)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < limit, f"the grader's Python allocations peaked at {peak / 2**20:.1f} MB"
        assert case.expect[0] in report.text("en") and elapsed <= case.max_seconds
    finally:
        scene.remove()


def test_a_reply_of_millions_of_small_objects_is_never_built(tmp_path):
    """3 million ``{}`` under the length cap (9 MB; 30 MB grew the grading process to 2.7 GB): the grader counts
    a reply's values on its bytes and refuses it before building one object from it."""
    assert_graded_in_memory(next(c for c in CASES if c.id == "forge-channel-many-objects"), tmp_path, 64 * 2**20)


def piped(body: bytes):
    """``channel.receive`` of one message whose body is ``body``, written by a thread as a child would."""
    import threading
    from grader.sandbox import channel
    read, write = os.pipe()

    def writer():
        with os.fdopen(write, "wb") as pipe:
            try:
                pipe.write(len(body).to_bytes(4, "big") + body)
            except BrokenPipeError:
                pass
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        return channel.receive(read, time.monotonic() + 30)
    finally:
        os.close(read)
        thread.join()


@pytest.mark.parametrize("body, refused", [
    (b"[" + b"{}," * 2_500_000 + b"{}]", "values, at most"),
    (b'{"a": ' + b"[" * 40 + b"]" * 40 + b"}", "nested 41 deep"),
    (b'["' + b"[" * 5000 + b'", ' + b'"{\\\"[", ' * 1000 + b"1]", None),    # brackets in strings do not count
])
def test_replies_are_measured_before_they_are_parsed(body, refused):
    from grader.sandbox import channel
    if refused is None:
        assert len(piped(body)) == 1002
        return
    started = time.monotonic()
    with pytest.raises(ValueError, match=refused):
        piped(body)
    assert time.monotonic() - started < 5


def nested_folders(folder: Path, depth: int) -> None:
    """``depth`` folders inside one another in ``folder``, as a child makes them (no path is ever that long)."""
    top = current = os.open(folder, os.O_RDONLY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=current)
        os.close(os.open("f", os.O_CREAT | os.O_WRONLY, dir_fd=current))
        deeper = os.open("d", os.O_RDONLY, dir_fd=current)
        if current != top:
            os.close(current)
        current = deeper
    os.close(current)
    os.close(top)


def test_folders_a_child_nests_thousands_deep_are_listed_and_removed(tmp_path):
    """As the grader's own user, the child's working folder is its scratch folder, and it may write next to the
    grader's files: 3,000 nested folders made ``shutil.rmtree`` (closing the sandbox) and ``Path.rglob`` (the
    integrity check) raise RecursionError in the grading process (the case persist-deep-folders, as root,
    nests them in the child's private /tmp)."""
    from grader.sandbox import integrity, trees
    folder = tmp_path / "nested"
    folder.mkdir()
    box = sandbox.Sandbox(tmp_path, "lenet", LIMITS)         # never started: its scratch folder only
    try:
        nested_folders(folder, 3000)
        state = integrity.tree_state(folder)
        assert str(folder / "d" / "f") in state and len(state) > 100
        nested_folders(box.scratch, 3000)
        box.close()
        assert not box.scratch.exists()
    finally:                # pytest's own clean-up of old temporary folders recurses too
        trees.remove(folder)
        trees.remove(box.scratch)


# -- graphs far larger or deeper than the book's ------------------------------------------------

def chain_graph(length: int, residual: bool = True) -> dict:
    """A recorded graph: ``length`` ReLUs in a chain, then (``residual``) the input added back."""
    nodes = [{"op": "relu", "attrs": {}, "inputs": [i - 1], "shape": [2, 10], "where": [["0", "ReLU"]],
              "failed": None} for i in range(length)]
    if residual:
        nodes.append({"op": "add", "attrs": {}, "inputs": [length - 1, -1], "shape": [2, 10], "where": [],
                      "failed": None})
    return {"nodes": nodes, "output": len(nodes) - 1, "error": None, "output_shape": [2, 10]}


@pytest.mark.parametrize("order", ["exact", "align", "align-branches"])
def test_a_deep_graph_is_read_without_recursion(order):
    """1,500 chained ReLUs then an addition crashed the grader (RecursionError in the graph digest): the
    canonical walk, digests, skeletons and depths are iterative, at any depth."""
    from grader.computation.canonical import canonical, in_canonical_order, validate
    graph = validate(chain_graph(20_000))
    trace = canonical(graph, order)
    assert len(trace.nodes) == 20_001 and trace.nodes[-1].op == "add"
    assert in_canonical_order(graph)["output"] == 20_000


def test_a_graph_far_larger_than_the_books_is_not_aligned():
    """The alignment is quadratic, in the grading process: 60,000 ReLUs kept it busy for minutes. A graph of
    more than 20 times the book's operations is refused at once (``TooLarge``), with the counts."""
    from grader.computation.canonical import size_limit, too_large, validate
    from grader.computation.diagnose import TooLarge, diagnose
    book = validate(chain_graph(11, residual=False))
    huge = validate(chain_graph(60_000, residual=False))
    assert too_large(book, huge) and not too_large(book, validate(chain_graph(size_limit(book), residual=False)))
    started = time.monotonic()
    with pytest.raises(TooLarge, match="60,000 operations, at most 500"):
        diagnose(book, huge, (2, 10))
    assert time.monotonic() - started < 1


def test_diagnosis_at_the_size_limit_is_fast():
    """Below the limit the diagnosis is linear after the alignment: no search of the alignment per operation."""
    from grader.computation.canonical import size_limit, validate
    from grader.computation.diagnose import diagnose
    book = validate(chain_graph(138, residual=False))            # GoogLeNet's size, the book's largest
    found = validate(chain_graph(size_limit(book), residual=False))
    started = time.monotonic()
    diagnosis = diagnose(book, found, (2, 10))
    assert diagnosis.causes and time.monotonic() - started < 20


def test_graph_names_and_settings_are_checked_and_made_inert():
    """A graph's settings hold scalars or short flat lists (nothing to recurse into); the student's names in it
    are one inert line each."""
    from grader.computation.canonical import validate
    graph = chain_graph(2)
    graph["nodes"][0]["where"] = [["extra\nTotal: 82 / 82", "ReLU\x1b[2J"]]
    graph["nodes"][1]["attrs"] = {"mode": "a\nb"}
    checked = validate(graph)
    assert checked["nodes"][0]["where"] == [["extra\\nTotal: 82 / 82", "ReLU\\x1b[2J"]]
    assert checked["nodes"][1]["attrs"] == {"mode": "a\\nb"}
    for attrs in ({"a": [{}] * 3}, {"a": [[1]]}, {"a": {"b": 1}}, {f"k{i}": 1 for i in range(100)}, {"a": "x" * 999}):
        bad = chain_graph(2)
        bad["nodes"][0]["attrs"] = attrs
        with pytest.raises(ValueError, match="settings"):
            validate(bad)


# -- an honest network far larger than the book's ---------------------------------------------

def test_a_huge_honest_network_costs_the_grader_little(tmp_path):
    """A Residual whose main branch has 400,000 channels: its children do the work within their budgets and
    memory caps (the replay measures it, or runs out of either); the grading process only reads small replies."""
    source = (ROOT / "solutions" / "resnet.py").read_text()
    huge = source.replace("self.conv1 = nn.Conv2d(input_channels, num_channels,",
                          "self.conv1 = nn.Conv2d(input_channels, 400_000,") \
                 .replace("self.conv2 = nn.Conv2d(num_channels, num_channels,",
                          "self.conv2 = nn.Conv2d(400_000, num_channels,") \
                 .replace("self.bn1 = nn.BatchNorm2d(num_channels)", "self.bn1 = nn.BatchNorm2d(400_000)")
    assert huge.count("400_000") == 3, "solutions/resnet.py changed: update this test"
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "resnet.py").write_text(huge)
    tracemalloc.start()
    try:
        report, elapsed = grade(submission, ("resnet",))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20, f"the grader's Python allocations peaked at {peak / 2**20:.1f} MB"
    assert elapsed <= 3 * (TIMEOUT + 12)            # the student's child, its replay, and clean-up
    assert report.score < report.max_score
