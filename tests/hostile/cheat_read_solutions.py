# >>> attack
import glob
import os
import zlib

me = os.path.abspath(__file__)
found = None


def consider(path):
    global found
    try:
        if os.path.abspath(path) == me or os.path.getsize(path) > 200_000:
            return
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return
    if found is None and "def lenet(" in text and "nn.Sequential(" in text and "NotImplementedError" not in text:
        found = path, text


for pid in os.listdir("/proc"):                 # the grader's view of the disk, through its /proc entry
    if pid.isdigit():
        consider(f"/proc/{pid}/root{{ROOT}}/solutions/lenet.py")
        consider(f"/proc/{pid}/cwd/solutions/lenet.py")
for start in ["{{ROOT}}/solutions/lenet.py", "{{SIBLING}}/lenet.py", "/tmp", "/work", "/home", "/root",
              "/srv", "/mnt", "{{ROOT}}"]:
    if os.path.isfile(start):
        consider(start)
    for folder, subfolders, files in os.walk(start):
        # the Python installation (bound back where it is, even inside the hidden repository) is
        # public and large: reading all of it would take longer than the time limit
        subfolders[:] = [d for d in subfolders if d not in ("site-packages", "dist-packages", "__pycache__")
                         and not d.startswith("python3")]
        for name in files:
            if name.endswith(".py"):
                consider(os.path.join(folder, name))
        if found:
            break
for path in glob.glob("{{ROOT}}/.git/objects/??/*"):
    try:
        blob = zlib.decompress(open(path, "rb").read()).decode("utf-8", "replace")
    except (OSError, zlib.error):
        continue
    if found is None and "def lenet(" in blob and "### BEGIN SOLUTION" in blob:
        found = path, blob.split("\0", 1)[1]
print("found:", found and found[0])
if found:
    exec(found[1])
# <<< attack
if "lenet" not in globals():
    def lenet():
        raise NotImplementedError("lenet is not implemented yet")
