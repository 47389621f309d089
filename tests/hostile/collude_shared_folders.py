# >>> attack
# A colluding pair, played by one file graded twice: the first grading is the
# classmate with a working network, who leaves its source in every folder that
# anyone on the machine may write (/run/lock = /var/lock, ...); the second
# grading is the student without one, who finds that source and runs it.
import os
import stat

marker = "{{MARKER}}"
CLASSMATE = r'''{{SOLUTION}}'''


def shared_folders():
    """World-writable folders: the usual ones and what a shallow walk of the system finds."""
    found = []
    for top in ("/run", "/var", "/dev", "/tmp", "/etc", "/usr", "/opt", "/srv"):
        for folder, subfolders, _ in os.walk(top):
            if folder.count("/") >= 3:
                subfolders[:] = []
            try:
                if os.stat(folder).st_mode & stat.S_IWOTH and os.path.realpath(folder) not in found:
                    found.append(os.path.realpath(folder))
            except OSError:
                pass
    return found


folders = shared_folders()
copies = [os.path.join(f, marker + ".py") for f in folders if os.path.isfile(os.path.join(f, marker + ".py"))]
if copies:
    print("collusion: ran", copies[0])
    exec(open(copies[0]).read())
else:
    planted = []
    for folder in folders:
        try:
            with open(os.path.join(folder, marker + ".py"), "w") as f:
                f.write(CLASSMATE)
            planted.append(folder)
        except OSError:
            pass
    print("planted in:", planted or "nowhere")
    filled = 0        # the 8 MB limit is per file: is there a total?
    for i in range(5):
        try:
            with open(f"/run/lock/{marker}-{i}.bin", "wb") as f:
                for _ in range(8):
                    f.write(b"x" * 1_000_000)
                    filled += 1
        except OSError:
            break
    print(f"filled {filled} MB in /run/lock")
# <<< attack
if "lenet" not in globals():
    def lenet():
        raise NotImplementedError("lenet is not implemented yet")
