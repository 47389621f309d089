# >>> attack
import os
import signal
import sys
import time

if os.fork() == 0:                          # a daemon: new session, double fork, keeps every fd open
    os.setsid()
    if os.fork() == 0:
        for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(number, signal.SIG_IGN)
        print(f"PID={os.getpid()}", flush=True)
        while True:
            time.sleep(0.1)
    os._exit(0)
time.sleep(0.3)
# <<< attack
{{SOLUTION}}
