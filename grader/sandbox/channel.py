"""The pipe between the grading process and a child: a 4-byte length, then JSON (``send``,
``receive``).

A reply is bounded three ways before the grader builds a Python object from it: its length (read as
the bytes come, never as claimed), how many values it holds and how deep they nest (``measure``,
counted on the bytes at C speed). 30 MB of ``{}`` are 10 million dictionaries, gigabytes once built;
the largest honest reply (a graph of GoogLeNet, outputs of a block) holds about 4,000 values, 7 deep.
"""
from __future__ import annotations

import json
import os
import re
import select
import struct
import time
from array import array
from itertools import accumulate


# -- the pipe protocol: a 4-byte length, then JSON ------------------------------

MAX_REPLY_BYTES = 32_000_000
MAX_REPLY_VALUES = 2_000_000      # numbers, strings, keys, lists and objects of one reply, counted together:
                                  # a graph of 60,000 operations (about 20 each) fits, 10 million ``{}`` do not
MAX_REPLY_DEPTH = 32              # lists and objects inside one another


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
    """A length header above ``MAX_REPLY_BYTES`` (refused before a byte of the body is read), or a body
    of more than ``MAX_REPLY_VALUES`` values (refused before it is parsed). A ``ValueError``: the grading
    process refuses the module, as for any malformed reply."""


STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)     # a JSON string, escapes included
NOT_A_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
NESTING = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")        # opening +1, closing -1 (as signed bytes)


def measure(data: bytes) -> tuple[int, int]:
    """(values, depth) of the JSON text ``data``, without parsing it: strings are taken out, then separators
    and brackets are counted (an upper bound on the values; the depth exactly, for well-formed JSON)."""
    bare = STRING.sub(b"0", data)
    brackets = bare.translate(None, NOT_A_BRACKET)
    values = 1 + bare.count(b",") + bare.count(b":") + len(brackets) // 2
    if values > MAX_REPLY_VALUES:
        return values, 0        # not worth the depth
    steps = array("b", brackets.translate(NESTING))
    return values, max(accumulate(steps), default=0)


def receive(fd: int, deadline: float | None = None):
    (length,) = struct.unpack(">I", read_exactly(fd, 4, deadline))
    if length > MAX_REPLY_BYTES:
        raise ReplyTooLarge(f"{length:,} bytes announced, at most {MAX_REPLY_BYTES:,}")
    data = read_exactly(fd, length, deadline)
    values, depth = measure(data)
    if values > MAX_REPLY_VALUES:
        raise ReplyTooLarge(f"about {values:,} values, at most {MAX_REPLY_VALUES:,}")
    if depth > MAX_REPLY_DEPTH:
        raise ValueError(f"reply nested {depth:,} deep, at most {MAX_REPLY_DEPTH}")
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("reply nested too deeply") from None
