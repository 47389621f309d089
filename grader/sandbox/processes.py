"""The machine's processes, as /proc lists them: their status, owners, parents and sessions."""
from __future__ import annotations

import os


def proc_status(pid: str) -> dict[str, str]:
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def uids(pid: str) -> list[str]:
    """Real, effective, saved and file-system uid (the status file's ``Uid`` line: not the owner of /proc/PID,
    which is root for a process that made itself non-dumpable)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("Uid:"):
                return line.split()[1:]
    return []


def processes_of_uid(uid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if str(uid) in uids(entry):
                    found.append(int(entry))
            except OSError:
                continue
    return found


def process_table() -> dict[int, tuple[int, int]]:
    """pid -> (ppid, session) of every process."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
                table[int(entry)] = (int(fields[1]), int(fields[3]))
            except (OSError, IndexError, ValueError):
                continue
    return table


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, by parent pid."""
    children: dict[int, list[int]] = {}
    for child, (ppid, _) in process_table().items():
        children.setdefault(ppid, []).append(child)
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found
