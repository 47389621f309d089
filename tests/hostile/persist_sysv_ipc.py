# >>> attack
# System V shared memory and a message queue, made by a program of its own (a fresh
# Python has no audit hook) under a key the test knows: they must not outlive grading,
# nor be visible to the next student.
import subprocess
import sys
import zlib

key = zlib.crc32(b"{{MARKER}}") & 0x7FFFFFFF
code = f"""
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
shm = libc.shmget({key}, 64 << 20, 0o1666)          # IPC_CREAT | 0666
if shm >= 0:
    address = libc.shmat(shm, None, 0)
    if address not in (None, ctypes.c_void_p(-1).value):
        ctypes.memset(address, 1, 64 << 20)          # 64 MB, really held
msg = libc.msgget({key}, 0o1666)
print("shm", shm, "msg", msg, "errno", ctypes.get_errno())
"""
run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
print("created:", run.stdout.strip(), run.stderr[-300:])
# <<< attack
{{SOLUTION}}
