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

Threads: a training run uses ``training_threads()`` threads, the CPUs this
process may use unless ``GRADER_TRAIN_THREADS`` says fewer. ``batch`` sets
it to CPUs / parallel jobs, so that parallel training runs never put more
compute threads than cores on the machine. The sandbox clears a child's
environment, so the value is read when this module is imported: in the
zygote, which imports ``grader.train`` (and this module) before it forks.
"""
from __future__ import annotations

import os

# Chosen by benchmarks/threads.py on the project's machine (see benchmarks/README.md).
WAIT = {"GOMP_SPINCOUNT": "1000"}
WAIT_VARIABLES = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")
TRAIN_THREADS = "GRADER_TRAIN_THREADS"
OPT_OUT = "GRADER_OMP"                 # "default": leave libgomp's defaults alone


def cpus() -> int:
    """The CPUs this process may run on (its affinity mask: a Slurm allocation, taskset, a container)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def wait_settings() -> dict[str, str]:
    """What ``configure_environment`` adds to the environment: nothing the user set already."""
    if os.environ.get(OPT_OUT) == "default" or any(v in os.environ for v in WAIT_VARIABLES):
        return {}
    return dict(WAIT)


def configure_environment(train_threads: int | None = None) -> dict[str, str]:
    """Set the wait policy (and, given, the training threads) for this process and all it starts.

    Returns what it set. Call it before torch is imported for this process's own
    training to follow it; processes started afterwards follow it in any case.
    """
    settings = wait_settings()
    if train_threads is not None:
        settings[TRAIN_THREADS] = str(max(1, int(train_threads)))
    os.environ.update(settings)
    return settings


def _parse(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number >= 1 else None


# Read on import: in the zygote, before it forks the children whose environment the sandbox clears.
_AT_IMPORT = _parse(os.environ.get(TRAIN_THREADS))


def training_threads() -> int:
    """Threads for one training run: ``GRADER_TRAIN_THREADS`` (as set when this module was imported, if the
    environment has lost it since), at most the CPUs; the CPUs without it."""
    wanted = _parse(os.environ.get(TRAIN_THREADS)) or _AT_IMPORT
    return min(wanted, cpus()) if wanted else cpus()


def threads_per_job(jobs: int) -> int:
    """Training threads for each of ``jobs`` parallel grading processes: never more threads than CPUs."""
    return max(1, cpus() // max(1, jobs))
