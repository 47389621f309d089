"""Compute threads and how they wait, for every process the kit starts.

torch's CPU build runs its intra-op parallelism on GNU OpenMP (libgomp). A
libgomp thread that waits for work spins first: ``GOMP_SPINCOUNT`` iterations,
300,000 by default (about 3 ms), none with ``OMP_WAIT_POLICY=PASSIVE``. On a
quiet machine spinning saves a wake-up at each of the thousands of parallel
regions of a training step; on a shared machine (a student's laptop, a
grading server, CI) a spinning thread holds the core that the thread it waits
for needs, and training collapses to a fifth of its speed.
``benchmarks/threads.py`` measured the settings quiet and beside two busy
processes (results in ``benchmarks/README.md``); ``WAIT`` is the choice: it
keeps the quiet speed and holds its share of a busy machine.

libgomp reads these variables once, when torch loads it, so they must be in
the environment before torch is imported. ``configure_environment`` puts
them there (unless the user set ``OMP_WAIT_POLICY`` or ``GOMP_SPINCOUNT``
already; ``GRADER_OMP=default`` leaves libgomp's defaults alone, for
benchmarks). It is called by ``python -m grader`` before the command's module
is imported and by ``grader.grade`` on import (nbgrader's grade cells and
other library use); every process started afterwards inherits the
environment: the batch workers, the sandbox's zygote and, forked from it,
every child that trains (the training checks, the reference's pace probe).

Threads: the trainer (``python -m grader train``) uses one thread per CPU
that other work leaves idle when it starts (``idle_cpus``, watched for a
quarter of a second; ``--threads`` chooses): every CPU this process may use
on a quiet machine. The grader's training check (and the reference's pace
probe) trains on ``CHECK_THREADS`` = 1 thread, always: oneDNN splits its reductions by
thread count, so the same file trained on 1 and on 2 threads reaches
different accuracies (ResNet-18, seed 0: 0.814 and 0.827), and a file near
the target passed with ``batch --jobs 2`` and failed with ``--jobs 1``. On
one thread a file gets the same grade however many checks run at once and
on whatever number of cores, ``batch`` runs one check per core without ever
putting more compute threads than cores on the machine, and the targets
(``grader/calibration.json``) are calibrated on one thread too. Alone on a
quiet 2-core machine a one-thread check takes longer (LeNet 9.7 s against
7.2 s, ResNet-18 95 s against 69 s); two side by side do more.
"""
from __future__ import annotations

import os
import time

# Chosen by benchmarks/threads.py on the project's machine (see benchmarks/README.md).
WAIT = {"GOMP_SPINCOUNT": "3000"}
WAIT_VARIABLES = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")
OPT_OUT = "GRADER_OMP"                 # "default": leave libgomp's defaults (and the trainer's threads) alone
CHECK_THREADS = 1                      # the training check's threads: see above
IDLE_SAMPLE = 0.25                     # seconds the trainer watches the machine before choosing its threads


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


def idle_cpus(seconds: float = IDLE_SAMPLE) -> float:
    """How many of this process's CPUs other work left idle over ``seconds`` (this process sleeps meanwhile)."""
    try:
        mine = os.sched_getaffinity(0)
        busy, total = cpu_times(mine)
        time.sleep(seconds)
        busy_after, total_after = cpu_times(mine)
    except (AttributeError, OSError, ValueError):
        return float(cpus())
    if total_after <= total:
        return float(len(mine))
    return len(mine) * (1 - (busy_after - busy) / (total_after - total))


def trainer_threads(idle: float, available: int) -> int:
    """The trainer's compute threads: one per idle CPU, at least one. Beside busy processes every thread gets
    a share of a core, and two threads that wait for each other do less than one (LeNet+BN beside two busy
    loops, against its quiet speed: one thread 0.46-0.51, two threads 0.43-0.46; benchmarks/README.md)."""
    return max(1, min(available, int(idle + 0.5)))


def opted_out() -> bool:
    """``GRADER_OMP=default``: the kit before its thread settings (libgomp's waiting, every CPU), for benchmarks."""
    return os.environ.get(OPT_OUT) == "default"


def wait_settings() -> dict[str, str]:
    """What ``configure_environment`` adds to the environment: nothing the user set already."""
    if opted_out() or any(v in os.environ for v in WAIT_VARIABLES):
        return {}
    return dict(WAIT)


def configure_environment() -> dict[str, str]:
    """Set the wait policy for this process and all it starts; returns what it set.

    Call it before torch is imported for this process's own threads to follow it;
    processes started afterwards follow it in any case.
    """
    settings = wait_settings()
    os.environ.update(settings)
    return settings
