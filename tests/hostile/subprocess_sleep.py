# >>> attack
import subprocess
for session in (False, True):
    child = subprocess.Popen(["sleep", "1000"], start_new_session=session,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"PID={child.pid}", flush=True)
child = subprocess.Popen(["sh", "-c", "nohup sleep 1000 >/dev/null 2>&1 & echo PID=$!"])
child.wait()
# <<< attack
{{SOLUTION}}
