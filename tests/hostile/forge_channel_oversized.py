# >>> attack
# A forged reply header: the module takes over its end of the grader's channel (as in
# forge_channel_takeover.py) and claims a reply of 2**31 bytes, sends some junk and stays,
# holding the pipe open. The grader must refuse at once (the length is over its cap), not
# wait for the claimed bytes nor set memory aside for them.
import fcntl
import os
import stat
import struct
import time

pipes = [fd for fd in range(3, 64) if os.path.exists(f"/proc/self/fd/{fd}")
         and stat.S_ISFIFO(os.fstat(fd).st_mode)]
writing = [fd for fd in pipes if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY]
for fd in writing:
    os.write(fd, struct.pack(">I", 2**31) + b"\xff" * 4096)
time.sleep(60)
# <<< attack
{{SOLUTION}}
