# >>> attack
# A colluding pair, played by one file graded twice, through the kernel's keyrings: the first
# grading is the classmate with a working network, whose helper program (a fresh Python: no audit
# hook, ctypes allowed) stores its source in the user keyring of its uid (@u, kept by the kernel
# after the uid's last process is gone); the second grading is the student without one, graded
# later by the same worker, hoping for the same sandbox uid, whose helper reads it back.
import subprocess
import sys

CLASSMATE = r'''{{SOLUTION}}'''
HELPER = r"""
import ctypes, platform, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
ADD_KEY, KEYCTL = {"x86_64": (248, 250), "aarch64": (217, 219)}[platform.machine()]
USER_KEYRING, SEARCH, READ, SET_TIMEOUT = -4, 10, 11, 15
name = b"grader-{{MARKER}}"
if sys.argv[1] == "read":
    key = libc.syscall(KEYCTL, SEARCH, USER_KEYRING, b"user", name, 0)
    if key > 0:
        buffer = ctypes.create_string_buffer(1 << 15)
        size = libc.syscall(KEYCTL, READ, ctypes.c_long(key), buffer, 1 << 15)
        sys.stdout.buffer.write(buffer.raw[:max(size, 0)])
    print("\nsearch:", key, "errno", ctypes.get_errno(), file=sys.stderr)
else:
    data = sys.stdin.buffer.read()
    key = libc.syscall(ADD_KEY, b"user", name, data, len(data), USER_KEYRING)
    print("stored:", key, "errno", ctypes.get_errno())
    if key > 0:
        libc.syscall(KEYCTL, SET_TIMEOUT, ctypes.c_long(key), 900)     # gone in a quarter of an hour
"""
found = subprocess.run([sys.executable, "-c", HELPER, "read"], capture_output=True, timeout=30)
print("keyring", found.stderr.decode(errors="replace").strip()[-200:])
if found.stdout.strip():
    print("keyring: ran the classmate's lenet,", len(found.stdout), "bytes")
    exec(found.stdout.decode())
else:
    stored = subprocess.run([sys.executable, "-c", HELPER, "write"], input=CLASSMATE.encode(),
                            capture_output=True, timeout=30)
    print("keyring", stored.stdout.decode(errors="replace").strip(), stored.stderr.decode(errors="replace")[-300:])
# <<< attack
if "lenet" not in globals():
    def lenet():
        raise NotImplementedError("lenet is not implemented yet")
