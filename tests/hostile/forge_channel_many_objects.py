# >>> attack
# A reply that is valid JSON and under the length cap, shaped as a graph whose node settings hold
# 3 million empty objects (9 MB; the report that found it sent 30 MB, which grew the grading process to
# 2.7 GB). The grader counts a reply's values and depth on its bytes before it builds anything from it.
import fcntl
import os
import stat
import struct
import time

body = (b'{"ok": true, "result": {"nodes": [{"op": "relu", "attrs": {"a": ['
        + b"{}," * 3_000_000 + b'{}]}, "inputs": [-1], "shape": null}], "output": 0, "error": null}}')
pipes = [fd for fd in range(3, 64) if os.path.exists(f"/proc/self/fd/{fd}")
         and stat.S_ISFIFO(os.fstat(fd).st_mode)]
writing = [fd for fd in pipes if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY]
for fd in writing:
    try:
        os.write(fd, struct.pack(">I", len(body)) + body)
    except OSError:
        pass
time.sleep(60)
# <<< attack
{{SOLUTION}}
