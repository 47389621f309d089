# >>> attack
import signal
import time
for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGALRM):
    signal.signal(number, signal.SIG_IGN)
while True:
    time.sleep(1)
# <<< attack
{{SOLUTION}}
