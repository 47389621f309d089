# >>> attack
import ctypes
import sys

attempts = {
    "dlopen": lambda: ctypes.CDLL(None),
    "memmove": lambda: ctypes.memmove(id(sys), id(sys), 8),
    "string_at": lambda: ctypes.string_at(id(sys), 8),
    "from_address": lambda: ctypes.c_long.from_address(id(sys)),
    "pythonapi": lambda: ctypes.pythonapi.Py_IncRef(ctypes.py_object(sys)),
    "proc mem": lambda: open("/proc/self/mem", "r+b"),
    "settrace": lambda: sys.settrace(lambda *a: None),
}
for name, attempt in attempts.items():
    try:
        attempt()
        print(name, "done")
    except Exception as error:
        print(name, "blocked:", type(error).__name__, error)
# <<< attack
{{STUB}}
