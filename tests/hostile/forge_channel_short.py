# >>> attack
# A forged reply header under the grader's cap: the module claims a reply of 30 MB, sends
# 1 KB of it and stays, holding the pipe open. The grader waits no longer than the module's
# budget, and its memory grows with the bytes that came, not with the 30 MB claimed.
import fcntl
import os
import stat
import struct
import time

pipes = [fd for fd in range(3, 64) if os.path.exists(f"/proc/self/fd/{fd}")
         and stat.S_ISFIFO(os.fstat(fd).st_mode)]
writing = [fd for fd in pipes if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY]
for fd in writing:
    os.write(fd, struct.pack(">I", 30_000_000) + b'{"ok": true, "result": [' + b"1, " * 300)
time.sleep(60)
# <<< attack
{{SOLUTION}}
