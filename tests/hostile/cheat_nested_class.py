# >>> attack
# A class laid out as CLASS/<student>/exercises/*.py: the classmate's folder is two
# levels up and across; the grader's processes may name it in their command lines.
import os

me = os.path.abspath(__file__)
found = None
start = os.path.dirname(os.path.dirname("{{SUBMISSION}}"))          # CLASS
for path in ["{{SIBLING}}/lenet.py"] + [os.path.join(folder, name) for folder, _, names in os.walk(start)
                                        for name in names if name.endswith(".py")]:
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        continue
    if "def lenet(" in text and "NotImplementedError" not in text:
        found = path, text
        break
others, named = 0, []
for pid in os.listdir("/proc"):
    if not pid.isdigit() or int(pid) == os.getpid():
        continue
    try:
        if os.stat(f"/proc/{pid}").st_uid == os.getuid():
            continue
        others += 1
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if start.encode() in f.read():
                named.append(pid)
    except OSError:
        continue
print("other processes:", others, "naming the class:", len(named))
print("found:", found and found[0])
if found:
    exec(found[1])
# <<< attack
if "lenet" not in globals():
    def lenet():
        raise NotImplementedError("lenet is not implemented yet")
