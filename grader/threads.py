"""Compute threads and how they wait, for every process the kit starts.

torch's CPU build runs its intra-op parallelism on GNU OpenMP (libgomp). A
libgomp thread that waits for work spins first: ``GOMP_SPINCOUNT`` iterations,
300,000 by default (about 3 ms), none with ``OMP_WAIT_POLICY=PASSIVE``. On a
quiet machine spinning saves a wake-up at each of the thousands of parallel
regions of a training step; on a shared machine (a student's laptop, a
grading server, CI) a spinning thread holds the core that the thread it waits
for needs, and training collapses to a fifth of its speed. libgomp reads
these variables once, when torch loads it, so they must be in the
environment before torch is imported; every process started afterwards
inherits them.

Only a process that computes on several threads waits at all. In the kit
that is the trainer (``python -m grader train``) alone: the grader's
training check and the reference's pace probe train on ``CHECK_THREADS`` = 1
thread, always (below), and so does everything else in the sandbox.
``benchmarks/threads.py`` and ``benchmarks/class_speed.py`` measured the
trainer (LeNet+BN on 2 CPUs; ``benchmarks/README.md``) quiet, beside two busy
processes, and with load that starts while it trains:

- quiet: spinning 30,000 times keeps libgomp's default speed, 3,000 lost
  10-15 %, sleeping at once (passive) about 10 %;
- beside busy processes: passive threads, all of them, train fastest (the
  trainer, batch 128: 3,145 ex/s against 2,814 on one thread, 0.48 of its
  quiet speed; batch 256: 0.63 against 0.40, spinning threads 0.17-0.38): a
  sleeping thread gives its core to the busy work and gets its share back;
- load that starts later: spinning threads cannot be made passive any more,
  so the trainer drops to one thread per CPU that other work leaves idle.

So: ``configure_environment`` sets ``WAIT`` for every process (the spin count
matters only to the trainer). For the trainer it first looks at the machine
(``first_look``, a quarter of a second of ``/proc/stat``, before torch
loads): if other work keeps a CPU busy, its threads wait passively
(``BUSY_WAIT``) and it trains on every CPU; if the machine is quiet they
spin, and ``FollowTheLoad`` looks again every two seconds of training, its
own use left out, and gives it one thread per idle CPU. ``--threads`` fixes
the count; an ``OMP_WAIT_POLICY`` or ``GOMP_SPINCOUNT`` of the user's own is
left as it is; ``GRADER_OMP=default`` leaves libgomp's defaults and every
CPU (the kit before its thread settings, for benchmarks).
``configure_environment`` is called by ``python -m grader`` before the
command's module is imported and by ``grader.grade`` on import (nbgrader's
grade cells and other library use).

The grader's training check trains on one thread because oneDNN splits its
reductions by thread count: the same file trained on 1 and on 2 threads
reaches different accuracies (ResNet-18, seed 0: 0.814 and 0.827), and a
file near the target passed with ``batch --jobs 2`` and failed with ``--jobs
1``. On one thread a file gets the same grade however many checks run at
once and on whatever number of cores, ``batch`` runs one check per core
without ever putting more compute threads than cores on the machine, and
the targets (``grader/calibration.json``) are calibrated on one thread too.
Alone on a quiet 2-core machine a one-thread check takes longer (LeNet 9.7 s
against 7.2 s, ResNet-18 95 s against 69 s); two side by side do more.
"""
from __future__ import annotations

import functools
import os
import time

# Chosen by benchmarks/threads.py and benchmarks/class_speed.py on the project's machine (benchmarks/README.md).
WAIT = {"GOMP_SPINCOUNT": "30000"}
BUSY_WAIT = {"OMP_WAIT_POLICY": "PASSIVE"}     # the trainer's, when other work keeps a CPU busy as it starts
WAIT_VARIABLES = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")
OPT_OUT = "GRADER_OMP"                 # "default": leave libgomp's defaults (and the trainer's threads) alone
CHECK_THREADS = 1                      # the training check's threads: see above
IDLE_SAMPLE = 0.25                     # seconds the trainer watches the machine before choosing its threads
LOOK_EVERY = 2.0                       # seconds of training between the trainer's looks at the machine


def cpus() -> int:
    """The CPUs this process may run on (its affinity mask: a Slurm allocation, taskset, a container)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def cpu_times(chosen: set[int]) -> tuple[int, int]:
    """(busy, all) clock ticks of the ``chosen`` CPUs since boot, from /proc/stat (idle and I/O wait are not busy)."""
    busy = total = 0
    with open("/proc/stat") as stat:
        for line in stat:
            name, *fields = line.split()
            if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in chosen:
                ticks = [int(f) for f in fields[:8]]
                total += sum(ticks)
                busy += sum(ticks) - ticks[3] - ticks[4]
    return busy, total


class IdleCpus:
    """How many of this process's CPUs other work leaves idle, between one look and the next.

    The busy time of the CPUs in this process's affinity mask (``/proc/stat``) less this process's own
    (``os.times``): the trainer can look while it trains, and its own threads, spinning or computing, do
    not count as other work.
    """

    def __init__(self):
        self.mine = os.sched_getaffinity(0)
        self.ticks_per_second = os.sysconf("SC_CLK_TCK")
        self.last = self._sample()

    def _sample(self) -> tuple[int, int, float]:
        busy, total = cpu_times(self.mine)
        own = os.times()
        return busy, total, own.user + own.system

    def look(self) -> float:
        """The idle CPUs since the last look (or since this object was made)."""
        (busy, total, own), self.last = self.last, self._sample()
        busy_after, total_after, own_after = self.last
        if total_after <= total:
            return float(len(self.mine))
        others = max(0.0, (busy_after - busy) - (own_after - own) * self.ticks_per_second)
        return max(0.0, len(self.mine) * (1 - others / (total_after - total)))


def idle_cpus(seconds: float = IDLE_SAMPLE) -> float:
    """How many of this process's CPUs other work left idle over ``seconds`` (this process sleeps meanwhile)."""
    try:
        idle = IdleCpus()
        time.sleep(seconds)
        return idle.look()
    except (AttributeError, OSError, ValueError):
        return float(cpus())


@functools.lru_cache(maxsize=None)
def first_look() -> float:
    """The idle CPUs as the trainer starts: looked at once per process, before torch loads."""
    return idle_cpus()


def trainer_threads(idle: float, available: int) -> int:
    """Spinning threads for the trainer: one per idle CPU, at least one. Beside busy work two spinning
    threads that wait for each other do less than one (benchmarks/README.md)."""
    return max(1, min(available, int(idle + 0.5)))


def passive() -> bool:
    """Whether this process's OpenMP threads sleep as soon as they wait."""
    return os.environ.get("OMP_WAIT_POLICY", "").strip().upper() == "PASSIVE"


class FollowTheLoad:
    """The trainer's thread count, chosen again every ``every`` seconds of training.

    Passive threads take every CPU and keep it: each sleeps when it waits, so it costs the busy work nothing
    and gets its share back. Spinning threads start from ``first_look`` and follow what other work took
    since the last look, so load that starts or stops while the trainer trains changes its threads within
    ``every`` seconds. ``changes`` keeps each change as (steps trained before it, threads, idle CPUs) for the
    trainer to report.
    """

    def __init__(self, every: float = LOOK_EVERY):
        self.available = cpus()
        self.every = every
        self.idle = first_look()
        self.passive = passive()
        self.threads = self.available if self.passive else trainer_threads(self.idle, self.available)
        self.changes: list[tuple[int, int, float]] = []
        self._looker = None
        if not self.passive:
            try:
                self._looker = IdleCpus()
            except (AttributeError, OSError, ValueError):
                pass
        self._looked = time.monotonic()

    def __call__(self, step: int) -> int:
        """The threads to train step ``step`` on."""
        now = time.monotonic()
        if self._looker is not None and now - self._looked >= self.every:
            self._looked = now
            self.idle = self._looker.look()
            threads = trainer_threads(self.idle, self.available)
            if threads != self.threads:
                self.threads = threads
                self.changes.append((step, threads, self.idle))
        return self.threads


def opted_out() -> bool:
    """``GRADER_OMP=default``: the kit before its thread settings (libgomp's waiting, every CPU), for benchmarks."""
    return os.environ.get(OPT_OUT) == "default"


def wait_settings(trainer: bool = False) -> dict[str, str]:
    """What ``configure_environment`` adds to the environment: nothing the user set already."""
    if opted_out() or any(v in os.environ for v in WAIT_VARIABLES):
        return {}
    if trainer and first_look() < cpus() - 0.5:          # other work keeps half a CPU or more busy
        return dict(BUSY_WAIT)
    return dict(WAIT)


def configure_environment(trainer: bool = False) -> dict[str, str]:
    """Set the wait policy for this process and all it starts; returns what it set.

    Call it before torch is imported for this process's own threads to follow it;
    processes started afterwards follow it in any case. ``trainer``: this process is
    ``python -m grader train``, whose threads wait as the machine's load says.
    """
    settings = wait_settings(trainer)
    os.environ.update(settings)
    return settings
