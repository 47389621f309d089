# >>> attack
# Other ways to a process's memory (/proc/<pid>/mem, refused by the audit hook) than its
# plain name: a task's, thread-self, a symbolic link, a relative path, a path relative to a
# descriptor of /proc/self, a pathlib path, doubled slashes.
import os
import pathlib

here = os.getcwd()
os.symlink("/proc/self/mem", "link-to-memory")


def relative():
    os.chdir("/proc/self")
    try:
        return open("./mem", "r+b")
    finally:
        os.chdir(here)


def beside():
    folder = os.open("/proc/self", os.O_RDONLY)
    try:
        return os.open("mem", os.O_RDWR, dir_fd=folder)
    finally:
        os.close(folder)


attempts = {
    "task": lambda: open(f"/proc/self/task/{os.getpid()}/mem", "r+b"),
    "thread-self": lambda: open("/proc/thread-self/mem", "r+b"),
    "link": lambda: open("link-to-memory", "r+b"),
    "relative": relative,
    "dir_fd": beside,
    "pathlib": lambda: pathlib.Path("/proc/self/mem").open("r+b"),
    "slashes": lambda: open("//proc//self//mem", "r+b"),
    "bytes": lambda: open(b"/proc/self/mem", "r+b"),
}
for name, attempt in attempts.items():
    try:
        attempt()
        print(name, "opened")
    except Exception as error:
        print(name, "blocked:", type(error).__name__, error)
# <<< attack
{{SOLUTION}}
