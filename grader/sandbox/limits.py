"""The child's resource limits: the ``Limits`` a grading asks for, and the rlimits that enforce them
(with ``os.memfd_create`` refused where no memory cgroup counts memory in files)."""
from __future__ import annotations

import os
import resource
from dataclasses import dataclass

from ..options import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
from .guard import Blocked


@dataclass
class Limits:
    timeout: float = DEFAULT_TIMEOUT        # wall-clock seconds for all requests of one module together
    memory_mb: int = DEFAULT_MEMORY_MB      # address space the child may add to what it inherits; 0: no cap


OUTPUT_LIMIT_BYTES = 8_000_000      # what the submission may print before writes fail
NPROC_LIMIT = 64 + 2 * (os.cpu_count() or 1)     # processes and threads (training uses one per core)


def set_limits(config: dict) -> None:
    if config["memory_mb"]:    # 0: no address-space cap (CUDA maps far more address space than it uses)
        memory = address_space_bytes() + int(config["memory_mb"]) * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(float(config["timeout"]) * 2 + 10)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_LIMIT_BYTES, OUTPUT_LIMIT_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


def address_space_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def refuse_memfd() -> None:
    """Without a memory cgroup, memory in a memfd escapes the cap: ``os.memfd_create`` is refused here.

    Done before the guard's snapshot, so putting a function back is tampering; ``ctypes`` is
    refused by the audit hook. A program the submission starts is not covered (see docs/maintainers/isolation.md)."""
    import posix

    def memfd_create(*args, **kwargs):
        raise Blocked("os.memfd_create is not allowed in a submission (its memory would escape the memory cap)")
    os.memfd_create = posix.memfd_create = memfd_create
