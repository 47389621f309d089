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


def processes_of_uid(uid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                uids = proc_status(entry)["Uid"].split()
            except (OSError, KeyError):
                continue
            if str(uid) in uids:
                found.append(int(entry))
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
