# >>> attack
# A helper in a session of its own that ignores polite signals, then a long import,
# during which the test kills the grading process with SIGKILL: the helper must die
# with it, and the grader's scratch folders must go too.
import subprocess
import sys
import time

helper = "import signal, time\nfor s in (signal.SIGTERM, signal.SIGHUP): signal.signal(s, signal.SIG_IGN)\n" \
         "while True: time.sleep(0.2)\n"
subprocess.Popen([sys.executable, "-c", helper, "{{MARKER}}"], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("helper started", flush=True)
time.sleep(60)
# <<< attack
{{SOLUTION}}
