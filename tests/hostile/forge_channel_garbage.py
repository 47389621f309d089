# >>> attack
import os
for fd in range(3, 64):
    try:
        os.write(fd, b"\x00\x00\x00\x10{\"ok\": true, \"result\": 1}" + os.urandom(64))
    except OSError:
        pass
# <<< attack
{{SOLUTION}}
