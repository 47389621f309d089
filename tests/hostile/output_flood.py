# >>> attack
import os
import sys
line = "flood " * 20 + "\n"
for i in range(300):                       # 300 MB on stdout and stderr
    try:
        sys.stdout.write(line * 8000)
        os.write(2, (line * 8000).encode())
    except OSError:
        pass
# <<< attack
raise RuntimeError("this module is broken")
