"""The course's Jupyter kernel: ipykernel behind a launcher that gives it the student package and,
under ``nbgrader autograde``, a sandbox of its own.

The kernelspec ``d2l-cnn-kit`` (installed by ``python -m grader nbgrader`` in
this environment) runs ``python -m grader.jupyter.kernel -f CONNECTION_FILE``.
The launcher writes the student package (``d2lkit``: the visible checks,
the spec, the notebook helpers; ``grader.release.student_package``) next to
the connection file and starts ipykernel with it on ``PYTHONPATH``: the
kernel imports what a student's kernel imports, never the kit's ``grader``.

Under autograde (``KitExecute`` sets ``REGRADE_ENV``) the kernel runs the
student's code as whoever runs nbgrader, the instructor, so it runs in
bubblewrap (``bwrap``, a maintained tool; Debian package ``bubblewrap``):

- no network (a network namespace of its own), its own IPC, PID and UTS
  namespaces, a session of its own, killed with the launcher;
- the whole file system read-only; an empty tmpfs over every folder that is
  not the system's (``/home``, ``/root``, ``/work``, ...), over the kit, the
  course (``source/``, ``gradebook.db``, ``release/``, every student's
  folder) and the data; the Python installation bound back read-only;
- a private ``/tmp`` (its working folder and home), ``/dev`` and ``/proc``;
- as root: an unprivileged user id of its own (``grader.sandbox.uids``),
  no capabilities, no new privileges, rlimits on memory, processes and file
  size; not root: a user namespace of its own instead (the same view of the
  files, all of them read-only);
- the sandbox's seccomp filter (``grader.sandbox.seccomp``: no kernel
  keyrings, no bpf), so nothing it leaves keyed by its uid outlives it.

The kernel talks to nbgrader over unix sockets (ZeroMQ's ``ipc`` transport)
in the connection file's folder, the only folder of the machine it may
write outside its tmpfs. Where no sandbox can be made, the launcher refuses
to start the kernel and says why (``sandbox_unavailable``); ``KitExecute``
asks first and then grades the notebook without running it.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from .cells import REGRADE_ENV

KERNEL_NAME = "d2l-cnn-kit"
KERNEL_DISPLAY = "Python 3 (d2l CNN kit)"
PACKAGE_MOUNT = "/tmp/.d2lkit"              # where the sandboxed kernel sees the student package
TMP_BYTES = 256 << 20                       # the kernel's private /tmp
KERNEL_MEMORY_MB = 8192                     # the kernel's address space (importing torch alone maps 3.4 GB)
KERNEL_NPROC = 256
KERNEL_FSIZE = 64 << 20
ENV_KEPT = ("LANG", "LC_ALL", "TZ", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


# -- the kernelspec -------------------------------------------------------------------------

def kernelspec() -> dict:
    return {"argv": [sys.executable, "-m", "grader.jupyter.kernel", "-f", "{connection_file}"],
            "display_name": KERNEL_DISPLAY, "language": "python", "interrupt_mode": "message",
            "metadata": {"debugger": False, "d2l-cnn-kit": "sandboxed under nbgrader autograde"}}


def is_kit_kernelspec(argv: list[str]) -> bool:
    return list(argv[1:4]) == ["-m", "grader.jupyter.kernel", "-f"]


def install_kernelspec() -> Path:
    """Install the kernelspec in this environment (``--sys-prefix``); returns its folder."""
    import tempfile

    from jupyter_client.kernelspec import KernelSpecManager
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "kernel.json").write_text(json.dumps(kernelspec(), indent=1), encoding="utf-8")
        return Path(KernelSpecManager().install_kernel_spec(folder, KERNEL_NAME, prefix=sys.prefix, replace=True))


# -- what the sandbox hides and shows ----------------------------------------------------------

def hidden_paths(cwd: str) -> list[str]:
    """Folders the kernel sees as empty tmpfs: the sandbox's rule (``hidden_around``) for the notebook's
    folder, which hides the course (its class root), the kit, the data and every non-system folder."""
    from ..sandbox.paths import hidden_around
    return [p for p in hidden_around(Path(cwd)) if os.path.isdir(p)]


def python_paths() -> list[str]:
    """The Python installation (prefixes and the site-packages folders on ``sys.path``), real paths."""
    found = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix}
    found |= {p for p in sys.path if p and os.path.isdir(p)
              and ("site-packages" in Path(p).parts or "dist-packages" in Path(p).parts)}
    return sorted({q for p in found for q in (os.path.abspath(p), os.path.realpath(p)) if os.path.isdir(q)})


def bwrap_arguments(runtime: str, package: str, cwd: str, uid: int | None) -> list[str]:
    """bwrap's options for the kernel (before ``--``): the view of the machine described above."""
    from ..sandbox.paths import under
    args = ["--unshare-net", "--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--perms", "1777", "--size", str(TMP_BYTES), "--tmpfs", "/tmp",
            "--perms", "1777", "--size", str(16 << 20), "--tmpfs", "/dev/shm"]
    hidden = []
    for path in sorted(hidden_paths(cwd), key=len):
        if not any(under(path, h) for h in hidden) and not under(path, "/tmp"):
            args += ["--perms", "0755", "--tmpfs", path]
            hidden.append(path)
    shown = [(p, p) for p in python_paths()] + [(package, PACKAGE_MOUNT)]
    made: set[str] = set()
    for source, target in shown:
        cover = next((h for h in hidden + ["/tmp"] if under(target, h) and target != h), None)
        if cover is None:
            continue                    # not covered: visible (read-only) as it is
        parent = os.path.dirname(target)
        ancestors = []
        while parent != cover and under(parent, cover):
            ancestors.append(parent)
            parent = os.path.dirname(parent)
        for folder in reversed(ancestors):
            if folder not in made:
                args += ["--perms", "0755", "--dir", folder]
                made.add(folder)
        args += ["--ro-bind", source, target]
    args += ["--bind", runtime, runtime, "--chdir", "/tmp", "--clearenv"]
    env = {"PATH": f"{os.path.dirname(sys.executable)}:/usr/bin:/bin", "HOME": "/tmp", "PYTHONPATH": PACKAGE_MOUNT,
           "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp", "IPYTHONDIR": "/tmp/.ipython", REGRADE_ENV: "1",
           "PYTHONDONTWRITEBYTECODE": "1", "LANG": os.environ.get("LANG", "C.UTF-8")}
    env.update({k: os.environ[k] for k in ENV_KEPT if k in os.environ})
    for key, value in env.items():
        args += ["--setenv", key, value]
    if uid is None:
        args += ["--unshare-user"]
    else:
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    return args


def drop_to(uid: int) -> list[str]:
    """The command prefix that limits the kernel and runs it as ``uid`` without any privilege."""
    limit = f"{KERNEL_MEMORY_MB << 20}"
    return ["prlimit", f"--as={limit}", f"--nproc={KERNEL_NPROC}", f"--fsize={KERNEL_FSIZE}", "--core=0",
            "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
            "--bounding-set=-all", "--inh-caps=-all", "--"]


# -- can this machine sandbox the kernel? ------------------------------------------------------

_AVAILABLE: dict[bool, str] = {}


def sandbox_unavailable() -> str:
    """"" when the kernel can be sandboxed here; otherwise why not (a quick self-test, once per process)."""
    root = os.geteuid() == 0
    if root not in _AVAILABLE:
        _AVAILABLE[root] = self_test(root)
    return _AVAILABLE[root]


def self_test(root: bool) -> str:
    tool = shutil.which("bwrap")
    if tool is None:
        return "bwrap is not installed (apt-get install bubblewrap)"
    if root and not (shutil.which("setpriv") and shutil.which("prlimit")):
        return "setpriv or prlimit is missing (util-linux)"
    import tempfile
    with tempfile.TemporaryDirectory(prefix="d2l-kernel-test-") as runtime:
        package = os.path.join(runtime, "package")
        os.mkdir(package)
        uid = 65534 if root else None             # nobody: only to see that the uid changes
        if root:
            os.chown(runtime, uid, uid)
        command = [tool, *bwrap_arguments(runtime, package, "/", uid), "--"]
        if root:
            command += drop_to(uid)
        probe = ("import os, sys; sys.stdout.write(str(os.getuid()) + ' ' + os.readlink('/proc/self/ns/net')); "
                 f"open({os.path.join(runtime, 'ok')!r}, 'w').close()")
        command += [sys.executable, "-I", "-c", probe]
        try:
            test = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as error:
            return f"bwrap could not run ({error})"
        ours = os.readlink("/proc/self/ns/net")
        said = test.stdout.split()
        if test.returncode != 0 or len(said) != 2:
            return f"bwrap failed here: {test.stderr.strip()[-300:] or f'exit code {test.returncode}'}"
        if said[1] == ours:
            return "bwrap did not give the kernel a network namespace of its own"
        if root and said[0] != str(uid):
            return "the kernel's user id could not be changed"
        if not os.path.exists(os.path.join(runtime, "ok")):
            return "the kernel could not write its connection folder"
    return ""


# -- the launcher ---------------------------------------------------------------------------

def write_package(folder: Path) -> Path:
    """The student package (``d2lkit``) under ``folder/package``, readable by anyone, written by no one else."""
    from ..release import student_package
    package = folder / "package"
    if package.exists():
        shutil.rmtree(package)
    for rel, text in student_package().items():
        path = package / rel
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
        path.write_text(text, encoding="utf-8")
        path.chmod(0o644)
    for path in [package, *package.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)
    return package


def kernel_command(connection_file: str, extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file, *extra]


def run(command: list[str], filtered: bool = False, **options) -> int:
    """Run the kernel, passing SIGTERM and SIGINT on; the kernel dies with this process. ``filtered``:
    the sandbox's seccomp filter (no kernel keyrings, no bpf: per-uid state that would outlive it) is
    installed before bwrap starts, so the kernel and all it starts have it."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)

    def prepare():
        libc.prctl(1, signal.SIGKILL)              # PR_SET_PDEATHSIG
        if filtered:
            from ..sandbox.seccomp import install_filter
            install_filter()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, preexec_fn=prepare, **options)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: process.send_signal(signum))
    return process.wait()


def sandboxed(connection_file: str, extra: list[str]) -> int:
    """Start the kernel in its sandbox (see the module docstring), or refuse and say why."""
    why = sandbox_unavailable()
    if why:
        print(f"d2l-cnn-kit: the notebook's kernel cannot be sandboxed here, so it does not start: {why}",
              file=sys.stderr)
        return 3
    runtime = os.path.dirname(os.path.abspath(connection_file))
    package = write_package(Path(runtime))
    from ..sandbox.seccomp import supported
    from ..sandbox.uids import release_uid, reserve_uid
    uid = lock = None
    if os.geteuid() == 0:
        uid, lock = reserve_uid()                 # held (flock) while this process lives
        for path in (runtime, connection_file):
            os.chown(path, uid, uid)
    command = [shutil.which("bwrap"), *bwrap_arguments(runtime, str(package), os.getcwd(), uid), "--"]
    if uid is not None:
        command += drop_to(uid)
    try:
        return run(command + kernel_command(connection_file, extra), filtered=supported(), cwd="/",
                   stdout=subprocess.DEVNULL)
    finally:
        if uid is not None:
            release_uid(uid, lock)


def unsandboxed(connection_file: str, extra: list[str]) -> int:
    """Interactive use (an instructor trying the course's notebooks): ipykernel with the student package."""
    import tempfile
    with tempfile.TemporaryDirectory(prefix="d2l-kernel-") as folder:
        package = write_package(Path(folder))
        env = dict(os.environ, PYTHONPATH=str(package))
        return run(kernel_command(connection_file, extra), env=env)


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] != "-f":
        print("usage: python -m grader.jupyter.kernel -f CONNECTION_FILE [ipykernel options]", file=sys.stderr)
        return 2
    connection_file, extra = argv[1], argv[2:]
    if os.environ.get(REGRADE_ENV) == "1":
        return sandboxed(connection_file, extra)
    return unsandboxed(connection_file, extra)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
