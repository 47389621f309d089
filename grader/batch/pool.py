"""The worker pool: forked grading processes that keep a warm torch, and how many run at once.

A worker that dies or overruns its watchdog is killed with its sandboxes and
replaced (``Pool.replace``); ``run.grade_students`` decides when.
"""
from __future__ import annotations

import dataclasses
import os
import signal
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from .. import threads
from ..sandbox.processes import descendants
from .options import Options

MAX_JOBS = 16                          # parallel grading processes, at most (each also needs memory)
MEMORY_PER_JOB_MB = 2048               # a grading process at its peak: itself, the zygote, a student's child
                                       # and the reference's (docs/instructors/gradescope.md: about 1.5 GB)


def worker(connection, options: Options) -> None:
    """A grading process: warm torch and caches, one file after another, until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from .. import grade
    from ..sandbox import Limits
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
