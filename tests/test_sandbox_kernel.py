"""What the kernel keeps per user id, and the CPU: the child's seccomp filter (no keyrings), sandbox uids
drawn at random, a CPU share per child (issue 25, item 4). The hostile case is ``collude-keyring``."""
from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from grader import sandbox
from grader.sandbox import Limits, seccomp, uids

ROOT = Path(__file__).resolve().parents[1]
IS_ROOT = os.geteuid() == 0
NATIVE = seccomp.supported()


# -- the filter, instruction by instruction --------------------------------------------------

def run_filter(code: list[tuple[int, int, int, int]], arch: int, nr: int) -> int:
    """A classic-BPF interpreter for the few instructions the filter uses, on one seccomp_data."""
    data = {0: nr & 0xFFFFFFFF, 4: arch}
    accumulator, pc = 0, 0
    while True:
        op, jt, jf, k = code[pc]
        pc += 1
        if op == 0x20:
            accumulator = data[k]
        elif op == 0x15:
            pc += jt if accumulator == k else jf
        elif op == 0x35:
            pc += jt if accumulator >= k else jf
        elif op == 0x06:
            return k
        else:
            raise AssertionError(f"unexpected instruction {op:#x}")


EPERM = seccomp.SECCOMP_RET_ERRNO | errno.EPERM
# a few calls torch, numpy and Python make all the time: read, write, mmap, clone, futex, openat, execve
ORDINARY = {"x86_64": (0, 1, 9, 56, 202, 257, 59, 435), "aarch64": (63, 64, 222, 220, 98, 56, 221, 435)}


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_the_filter_refuses_the_keyring_calls_and_nothing_torch_needs(machine):
    arch, _, numbers = seccomp.ARCHITECTURES[machine]
    code = seccomp.program(machine)
    for name in ("add_key", "request_key", "keyctl", "bpf"):
        assert run_filter(code, arch, numbers[name]) == EPERM, name
    for nr in ORDINARY[machine]:
        assert run_filter(code, arch, nr) == seccomp.SECCOMP_RET_ALLOW, nr
    # another calling convention reaches the same kernel code under other numbers: all refused
    for foreign in (0x40000003, 0x40000028, 0xC00000B7 if machine == "x86_64" else 0xC000003E):   # i386, arm, other
        assert run_filter(code, foreign, 288) == EPERM
        assert run_filter(code, foreign, 0) == EPERM
    if machine == "x86_64":      # x32 calls: the native architecture with bit 30 set
        assert run_filter(code, arch, 0x40000000 | numbers["keyctl"]) == EPERM


CHECK = r"""
import ctypes, errno, json, platform, subprocess, sys
from grader.sandbox import seccomp
libc = ctypes.CDLL(None, use_errno=True)
ADD_KEY, REQUEST_KEY, KEYCTL = (seccomp.ARCHITECTURES[platform.machine().lower()][2][n]
                                for n in ("add_key", "request_key", "keyctl"))
def call(*args):
    result = libc.syscall(*args)
    return errno.errorcode.get(ctypes.get_errno(), "ok") if result == -1 else "ok"
seccomp.install_filter()
found = {"add_key": call(ADD_KEY, b"user", b"grader-test", b"x", 1, -4),
         "request_key": call(REQUEST_KEY, b"user", b"grader-test", None, -4),
         "keyctl": call(KEYCTL, 0, -4, 0)}
started = subprocess.run([sys.executable, "-c", "import ctypes; l = ctypes.CDLL(None, use_errno=True); "
                          f"print(l.syscall({KEYCTL}, 0, -4, 0), ctypes.get_errno())"], capture_output=True, text=True)
found["keyctl in a program it starts"] = started.stdout.split()
found["threads"] = [line for line in open("/proc/self/status") if line.startswith("Seccomp:")][0].split()[1]
import numpy as np
import torch
from torch import nn
torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2), nn.Flatten(),
                    nn.Linear(6 * 14 * 14, 10))
optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
x, y = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))
losses = []
for _ in range(10):
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(net(x), y)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=16, num_workers=2)
found["batches from 2 workers"] = sum(1 for _ in loader)
found["training"] = losses[-1] < losses[0]
found["numpy"] = float(np.linalg.svd(np.eye(3))[1].sum())
found["torch threads"] = torch.get_num_threads()
print(json.dumps(found))
"""


@pytest.mark.skipif(not NATIVE, reason="no seccomp filter for this architecture")
def test_a_filtered_process_gets_eperm_for_keyrings_and_still_trains():
    run = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found["add_key"] == found["request_key"] == found["keyctl"] == "EPERM", found
    assert found["keyctl in a program it starts"] == ["-1", str(errno.EPERM)], found
    assert found["threads"] == "2"            # SECCOMP_MODE_FILTER
    assert found["training"] and found["batches from 2 workers"] == 4 and found["numpy"] == 3.0, found


def test_the_zygote_says_whether_children_are_filtered():
    info = sandbox.zygote().info
    assert info["seccomp"] is NATIVE or info["seccomp_why"], info
    if not info["seccomp"]:
        assert any("seccomp" in note for note in sandbox.isolation_notes())


# -- a sandbox child ------------------------------------------------------------------

PROBE = r"""
import os, subprocess, sys
helper = ("import ctypes, platform; l = ctypes.CDLL(None, use_errno=True); "
          "n = {'x86_64': 248, 'aarch64': 217}[platform.machine()]; "
          "print(l.syscall(n, b'user', b'grader-test', b'x', 1, -4), ctypes.get_errno())")
print('add_key:', subprocess.run([sys.executable, '-c', helper], capture_output=True, text=True).stdout.strip())
print('seccomp:', [l.split()[1] for l in open('/proc/self/status') if l.startswith('Seccomp:')][0])
print('cgroups:', '|'.join(l.strip() for l in open('/proc/self/cgroup')))
print('uid:', os.getuid())
def lenet():
    raise NotImplementedError
"""


def sandbox_prints(tmp_path: Path) -> tuple[dict, str, sandbox.Sandbox]:
    (tmp_path / "lenet.py").write_text(PROBE)
    box = sandbox.Sandbox(tmp_path, "lenet", Limits(timeout=30, memory_mb=1024))
    box.start((tmp_path / "lenet.py").read_bytes())
    box.request("import", "importing lenet.py")
    hello, uid, cpu = dict(box.hello), box.uid, box.cpu_cgroup
    printed = box.close()
    return {"hello": hello, "uid": uid, "cpu": cpu}, printed, box


@pytest.mark.skipif(not NATIVE, reason="no seccomp filter for this architecture")
def test_a_sandbox_child_and_its_programs_cannot_use_keyrings(tmp_path):
    seen, printed, _ = sandbox_prints(tmp_path)
    assert seen["hello"]["seccomp"], seen
    assert f"add_key: -1 {errno.EPERM}" in printed, printed
    assert "seccomp: 2" in printed, printed


@pytest.mark.skipif(not IS_ROOT, reason="private uids and cgroups need root")
def test_each_sandbox_has_a_random_uid_and_a_cpu_share_of_its_own(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    seen, printed, _ = sandbox_prints(tmp_path / "a")
    again, _, _ = sandbox_prints(tmp_path / "b")
    ranges = uids.candidate_ranges()
    assert any(seen["uid"] in r for r in ranges) and seen["uid"] != again["uid"]
    assert f"uid: {seen['uid']}" in printed
    assert not (uids.uid_lock_dir() / str(seen["uid"])).exists(), "the uid's lock file is removed with the sandbox"
    if not sandbox.zygote().info.get("cpu_cgroup"):
        assert any("CPU share" in note for note in sandbox.isolation_notes())
        pytest.skip("no writable cgroup for the cpu controller here")
    assert seen["hello"]["cpu"], seen
    cgroups = re.search(r"cgroups: (.*)", printed).group(1).split("|")
    name = Path(seen["cpu"]["path"]).name
    assert any(re.match(r"\d+:([^:]*,)?cpu(,[^:]*)?:", line) and line.endswith("/" + name) for line in cgroups) \
        or any(line.startswith("0::") and line.endswith("/" + name) for line in cgroups), cgroups
    assert not os.path.exists(seen["cpu"]["path"]), "the cgroup is removed with the sandbox"


# -- uids -----------------------------------------------------------------------------

@pytest.mark.skipif(not IS_ROOT, reason="the uid locks live in /run as root")
def test_uids_are_drawn_at_random_and_their_locks_removed():
    held = [uids.reserve_uid(hint=0) for _ in range(20)]
    try:
        numbers = [uid for uid, _ in held]
        assert len(set(numbers)) == 20
        assert all(uids.SANDBOX_UID_FIRST <= uid < uids.SANDBOX_UID_FIRST + uids.SANDBOX_UID_COUNT
                   for uid in numbers) or uids.candidate_ranges()[0].start < uids.SANDBOX_UID_FIRST
        assert max(numbers) - min(numbers) > 1000         # not a worker's consecutive block
        # released: the lock file goes (no file per uid ever drawn is left in /run)
        uid, fd = held.pop()
        uids.release_uid(uid, fd)
        assert not (uids.uid_lock_dir() / str(uid)).exists()
    finally:
        for uid, fd in held:
            uids.release_uid(uid, fd)


def test_candidate_uids_stay_inside_a_containers_uid_map(tmp_path, monkeypatch):
    maps = {"/proc/self/uid_map": [range(0, 65536)], "/proc/self/gid_map": [range(0, 65536)]}
    monkeypatch.setattr(uids, "id_ranges", lambda path: maps[path])
    assert uids.candidate_ranges() == [range(uids.FALLBACK_UID_FIRST, 65534)]
    maps["/proc/self/uid_map"] = maps["/proc/self/gid_map"] = [range(0, 1 << 32)]
    assert uids.candidate_ranges() == [range(uids.SANDBOX_UID_FIRST, uids.SANDBOX_UID_FIRST + uids.SANDBOX_UID_COUNT)]
