# >>> attack
import os
import signal
import subprocess
parent = os.getppid()
for how in ("os.kill", "kill"):
    try:
        if how == "os.kill":
            os.kill(parent, signal.SIGKILL)
        else:
            subprocess.run(["kill", "-9", str(parent)], stderr=subprocess.STDOUT)
        print(how, "sent")
    except Exception as error:
        print(how, "failed:", error)
# <<< attack
{{SOLUTION}}
