"""The pipe between the grading process and a child: a 4-byte length, then JSON (``send``,
``receive``)."""
from __future__ import annotations

import json
import os
import select
import struct
import time


# -- the pipe protocol: a 4-byte length, then JSON ------------------------------

MAX_REPLY_BYTES = 32_000_000


def send(fd: int, payload) -> None:
    data = json.dumps(payload).encode()
    os.write(fd, struct.pack(">I", len(data)))
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def read_exactly(fd: int, count: int, deadline: float | None) -> bytearray:
    """``count`` bytes from ``fd``. The buffer grows with what arrives, never with what was claimed:
    a forged length costs the reader only the bytes the writer really sent."""
    data = bytearray()
    while len(data) < count:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(count - len(data), 1 << 20))
        if not chunk:
            raise EOFError
        data += chunk
    return data


class ReplyTooLarge(ValueError):
    """A length header above ``MAX_REPLY_BYTES``: refused before a byte of the body is read (a
    ``ValueError``: the grading process refuses the module, as for any malformed reply)."""


def receive(fd: int, deadline: float | None = None):
    (length,) = struct.unpack(">I", read_exactly(fd, 4, deadline))
    if length > MAX_REPLY_BYTES:
        raise ReplyTooLarge(f"{length:,} bytes announced, at most {MAX_REPLY_BYTES:,}")
    try:
        return json.loads(read_exactly(fd, length, deadline))
    except RecursionError:
        raise ValueError("reply nested too deeply") from None
