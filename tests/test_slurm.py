"""``cluster/grade_class.sbatch`` on a real Slurm: a one-node cluster, a job array of two parts, a merge.

The test starts slurmctld and slurmd (Debian's packages ``slurmctld slurmd slurm-client``) in the
foreground, as root, with a slurm.conf of its own in a temporary folder (free ports, no munge:
``auth/none``), submits the script as its header says (the array, then ``merge`` as a job that
depends on it), and checks that the merged grades.csv is the one an unsharded ``batch`` of the same
class writes, and that the sandbox under slurmd is as isolated as outside it (the same warnings).
Three students with LeNet only, no training: about 20 s on two cores. The daemons and any job
left are stopped at the end, whatever happened.
"""
from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from grader import batch

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "cluster" / "grade_class.sbatch"
SOLUTIONS, STUBS = ROOT / "solutions", ROOT / "exercises"
TOOLS = ("slurmctld", "slurmd", "sbatch", "sinfo", "squeue", "scancel", "scontrol")
PLUGINS = ("auth_none.so", "cred_none.so")
ACTIVE = {"PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED", "RESIZING", "SIGNALING",
          "STAGE_OUT", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "STOPPED", None}


SEARCH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin", "/usr/local/sbin"])
WHERE = {tool: shutil.which(tool, path=SEARCH) for tool in TOOLS}


def why_not() -> str | None:
    missing = [tool for tool, path in WHERE.items() if path is None]
    if missing:
        return (f"Slurm is not installed ({', '.join(missing)} missing): apt-get install slurmctld slurmd "
                "slurm-client")
    if os.geteuid() != 0:
        return "the one-node Slurm cluster runs its daemons as root (slurmd starts jobs as their user)"
    folders = glob.glob("/usr/lib/*/slurm-wlm") + glob.glob("/usr/lib*/slurm") + glob.glob("/usr/local/lib*/slurm")
    missing = [p for p in PLUGINS if not any(Path(folder, p).exists() for folder in folders)]
    if missing:
        return f"this Slurm has no {', '.join(missing)} in {folders} (the test runs it without munge)"
    return None


WHY_NOT = why_not()
pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=str(WHY_NOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_mb() -> int:
    with open("/proc/meminfo") as info:
        total = next(int(line.split()[1]) for line in info if line.startswith("MemTotal:"))
    return total // 1024 * 9 // 10


def tail(path: Path, lines: int = 15) -> str:
    try:
        return f"--- {path.name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"--- {path.name}: none"


class Cluster:
    def __init__(self, folder: Path):
        self.folder, self.logs = folder, folder / "logs"
        for name in ("state", "spool", "logs"):
            (folder / name).mkdir(parents=True)
        self.node = socket.gethostname().split(".")[0]
        self.conf = folder / "slurm.conf"
        self.conf.write_text("\n".join([
            "ClusterName=kittest",
            f"SlurmctldHost={self.node}(127.0.0.1)",
            "AuthType=auth/none", "CredType=cred/none",
            "SlurmUser=root", "SlurmdUser=root",
            f"SlurmctldPort={free_port()}", f"SlurmdPort={free_port()}",
            f"StateSaveLocation={folder / 'state'}", f"SlurmdSpoolDir={folder / 'spool'}",
            f"SlurmctldPidFile={folder / 'slurmctld.pid'}", f"SlurmdPidFile={folder / 'slurmd.pid'}",
            f"SlurmctldLogFile={self.logs / 'slurmctld.log'}", f"SlurmdLogFile={self.logs / 'slurmd.log'}",
            "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none",
            "SelectType=select/cons_tres", "SelectTypeParameters=CR_CPU",
            "JobAcctGatherType=jobacct_gather/none", "AccountingStorageType=accounting_storage/none",
            "JobCompType=jobcomp/none", "MpiDefault=none", "MailProg=/bin/true",
            "ReturnToService=2", "KillWait=5",
            f"NodeName={self.node} NodeAddr=127.0.0.1 CPUs={min(2, os.cpu_count() or 1)} "
            f"RealMemory={memory_mb()} State=UNKNOWN",
            f"PartitionName=debug Nodes={self.node} Default=YES MaxTime=INFINITE State=UP",
        ]) + "\n")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "SBATCH_", "SALLOC_",
                                                                               "SRUN_"))}
        self.env.pop("PYTHONPATH", None)
        self.env["SLURM_CONF"] = str(self.conf)
        self.daemons: list[subprocess.Popen] = []

    def start(self) -> None:
        for name, *options in (["slurmctld", "-D"], ["slurmd", "-D", "-N", self.node]):
            with open(self.logs / f"{name}.out", "w") as out:
                self.daemons.append(subprocess.Popen([WHERE[name], *options], env=self.env, stdout=out,
                                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                                     start_new_session=True))
        deadline = time.monotonic() + 60
        state = ""
        while time.monotonic() < deadline:
            if any(d.poll() is not None for d in self.daemons):
                break
            state = self.run("sinfo", "-h", "-n", self.node, "-o", "%t", check=False).stdout.strip()
            if state == "idle":
                return
            time.sleep(0.5)
        raise AssertionError(f"the node did not become idle (state {state!r})\n{self.diagnosis()}")

    def run(self, *command, check=True, timeout=120, **kwargs) -> subprocess.CompletedProcess:
        done = subprocess.run([WHERE.get(command[0], command[0]), *command[1:]], env=kwargs.pop("env", self.env),
                              capture_output=True, text=True, timeout=timeout, **kwargs)
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(map(str, command))}: exit {done.returncode}\n{done.stdout}\n"
                                 f"{done.stderr}\n{self.diagnosis()}")
        return done

    def wait(self, job: str, timeout: float) -> list[str]:
        """'STATE EXITCODE' of the job (of each task of an array) once all have ended (sbatch --wait polls
        every 2 to 32 s: this asks every 0.3 s)."""
        deadline = time.monotonic() + timeout
        while True:
            records = self.run("scontrol", "-o", "show", "job", job, check=False).stdout.splitlines()
            fields = [dict(f.split("=", 1) for f in line.split() if "=" in f) for line in records]
            states = [f"{f.get('JobState')} {f.get('ExitCode')}" for f in fields]
            if fields and all(f.get("JobState") not in ACTIVE for f in fields):
                return states
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job} still {states} after {timeout:.0f} s\n{self.diagnosis()}")
            time.sleep(0.3)

    def diagnosis(self) -> str:
        parts = [tail(path) for path in sorted(self.logs.iterdir())]
        return "\n".join(parts)

    def stop(self) -> None:
        """Cancel what is left, then stop slurmd and slurmctld (SIGTERM, then SIGKILL)."""
        if all(d.poll() is None for d in self.daemons) and self.daemons:
            try:
                self.run("scancel", "--full", "--quiet", "--user", "root", check=False, timeout=10)
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline and self.run("squeue", "-h", "-o", "%i", check=False,
                                                               timeout=10).stdout.strip():
                    time.sleep(0.5)
            except subprocess.TimeoutExpired:
                pass
        for daemon in reversed(self.daemons):           # slurmd first
            if daemon.poll() is None:
                daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)
                daemon.wait(timeout=10)


@pytest.fixture
def cluster():
    # a short path: slurmstepd's unix sockets live in SlurmdSpoolDir (at most 108 bytes a socket's path)
    folder = Path(tempfile.mkdtemp(prefix="kit-slurm-", dir="/tmp"))
    one = Cluster(folder)
    try:
        one.start()
        yield one
    finally:
        one.stop()
        shutil.rmtree(folder, ignore_errors=True)


def small_class(subs: Path) -> None:
    """alice (the solution: part 2 of 2), bob (a mistake) and carol (the stub): part 1."""
    lenet = (SOLUTIONS / "lenet.py").read_text()
    mistake = lenet.replace("nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),",
                            "nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(),")
    assert mistake != lenet
    for student, source in (("alice", lenet), ("bob", mistake), ("carol", (STUBS / "lenet.py").read_text())):
        (subs / student).mkdir(parents=True)
        (subs / student / "lenet.py").write_text(source)
    assert [batch.shard_of(s, 2) for s in ("alice", "bob", "carol")] == [2, 1, 1]


def warnings(text: str) -> list[str]:
    return sorted(line for line in text.splitlines() if line.startswith("grader: warning:"))


def test_a_class_graded_by_a_slurm_job_array_merges_to_one_run(tmp_path, cluster):
    started = time.monotonic()
    subs, out, whole = tmp_path / "subs", tmp_path / "out", tmp_path / "whole"
    small_class(subs)
    options = ("--no-train", "--only", "lenet")
    env = dict(cluster.env, PYTHON=sys.executable)
    logs = tmp_path / "logs"
    logs.mkdir()
    with open(tmp_path / "whole.log", "w") as log:         # the same class at once, outside Slurm
        unsharded = subprocess.Popen([sys.executable, "-m", "grader", "batch", subs, "--out", whole, *options,
                                      "--jobs", "1"], cwd=ROOT, env=cluster.env, stdout=log, stderr=log)
    try:
        # as the script's header says, with the test node's resources and the class's options
        array = cluster.run("sbatch", "--parsable", "--array=1-2", "--cpus-per-task=1", "--mem=1G",
                            "--time=10", f"--output={logs}/grade-%A_%a.log", SCRIPT, subs, out, *options,
                            cwd=ROOT, env=env).stdout.strip().split(";")[0]
        merge_job = cluster.run("sbatch", "--parsable", "--dependency=afterok:" + array, "--kill-on-invalid-dep=yes",
                                "--cpus-per-task=1", "--mem=1G", f"--output={logs}/merge-%j.log",
                                "--wrap", f"'{sys.executable}' -m grader merge '{out}' --out '{out}'",
                                cwd=ROOT, env=env).stdout.strip().split(";")[0]
        states = cluster.wait(merge_job, timeout=240) + cluster.wait(array, timeout=10)
        task_logs = {k: (logs / f"grade-{array}_{k}.log") for k in (1, 2)}
        shown = "\n".join(tail(path, 40) for path in sorted(logs.iterdir()))
        assert states == ["COMPLETED 0:0"] * 3, f"{states}\n{shown}\n{cluster.diagnosis()}"
        unsharded.wait(timeout=240)
    finally:
        if unsharded.poll() is None:
            unsharded.kill()
            unsharded.wait()
    whole_err = (tmp_path / "whole.log").read_text()
    assert unsharded.returncode == 0, whole_err
    texts = {k: path.read_text() for k, path in task_logs.items()}
    assert "shard 1/2: 2 of the class's 3 students" in texts[1], shown
    assert "shard 2/2: 1 of the class's 3 students" in texts[2], shown
    assert sorted(p.name for p in (out / "shards").iterdir()) == ["1-of-2.json", "2-of-2.json"]
    assert "merge: 3 students from 2 shards" in next(logs.glob("merge-*.log")).read_text(), shown
    assert (out / "grades.csv").read_text() == (whole / "grades.csv").read_text()
    assert (out / "summary.txt").read_text() == (whole / "summary.txt").read_text()
    rows = [row.split(",") for row in (out / "grades.csv").read_text().splitlines()]
    assert [row[0] for row in rows] == ["student", "alice", "bob", "carol"]
    assert float(rows[1][1]) > float(rows[2][1]) > float(rows[3][1])      # solution > mistake > stub
    for k in (1, 2):                         # the sandbox under slurmd: as isolated as outside it
        assert warnings(texts[k]) == warnings(whole_err), shown
    print(f"a job array of 2 parts, a merge and an unsharded batch beside them: {time.monotonic() - started:.0f} s")
