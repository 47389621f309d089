# >>> attack
import os
import time

if os.fork() == 0:                          # the daemon keeps the grader's pipes open ...
    os.setsid()
    print(f"PID={os.getpid()}", flush=True)
    while True:
        time.sleep(0.1)
time.sleep(0.2)
os._exit(0)                                 # ... while the module's process exits
# <<< attack
{{SOLUTION}}
