"""The hostile corpus: one row per attack (see README.md in this folder).

``source`` names a file of this folder (the submitted ``lenet.py``), or raw
bytes. ``layout`` says how the file is put in the submission (a plain file, a
symbolic link, a FIFO, ...). ``baseline`` is what the attack's score is
compared with: ``"strip"`` (the same file without its attack lines) or
``"zero"``. ``expect`` are substrings of the English report, ``expect_zh`` of
the Chinese one. ``root_only`` cases need the root sandbox to be harmless or
meaningful (a non-root grader cannot stop them; they are skipped there).
``repeat`` grades the attack that many times (a colluding pair played by one
file); ``nested_class`` lays the class out as ``CLASS/<student>/exercises``
in a system folder (``/var/lib``), where only the sandbox's hiding protects it;
``kill_grader`` kills the grading process (SIGKILL) once the module's helper
runs; ``needs_cgroup`` cases need the memory cgroup (skipped without one).
"""
from __future__ import annotations

from dataclasses import dataclass, field

TIMEOUT = 5.0          # seconds for all requests of one module (Limits.timeout)
MEMORY_MB = 1024


@dataclass(frozen=True)
class Case:
    id: str
    threat: str
    source: str | bytes | None          # file name in tests/hostile, raw bytes, or None (no file)
    expect: tuple[str, ...] = ()
    expect_zh: tuple[str, ...] = ()
    baseline: str = "strip"             # "strip" | "zero"
    equal: bool = False                 # the attack must not cost the honest part anything either
    layout: str = "file"                # file | symlink-reference | symlink-outside | symlink-dir
                                        # | fifo | directory | missing
    printed: tuple[str, ...] = ()       # substrings of what the module printed (as shown)
    not_printed: tuple[str, ...] = ()   # what the module must not have managed to print
    root_only: bool = False
    max_seconds: float = TIMEOUT + 12   # the module's budget plus start-up and clean-up
    cli: bool = False                   # graded through ``python -m grader grade --json``
    modules: tuple[str, ...] = ("lenet",)   # the first is the module the attack file is written as
    memory_mb: int = MEMORY_MB          # Limits.memory_mb for this case (the attack sees it as {{MEMORY_MB}})
    repeat: int = 1                     # graded this many times; the last grading's score counts
    nested_class: bool = False
    kill_grader: bool = False
    needs_cgroup: bool = False
    notes: str = ""


TIMED_OUT = (f"timed out after {TIMEOUT:g} s while",)
TIMED_OUT_ZH = ("超时",)
TAMPERED_ZH = ("拒绝评分",)

CASES: list[Case] = [
    # -- hangs and resource abuse -------------------------------------------------------
    Case("hang-import-loop", "hang", "hang_import_loop.py", TIMED_OUT + ("while importing lenet.py",), TIMED_OUT_ZH),
    Case("hang-builder-loop", "hang", "hang_builder_loop.py", TIMED_OUT + ("while running lenet()",), TIMED_OUT_ZH),
    Case("hang-forward-loop", "hang", "hang_forward_loop.py", TIMED_OUT, TIMED_OUT_ZH),
    Case("hang-sleep", "hang", "hang_sleep.py", TIMED_OUT + ("while importing lenet.py",), TIMED_OUT_ZH),
    Case("hang-stdin", "hang", "hang_stdin.py", equal=True, printed=("stdin: ''", "input: EOF"),
         max_seconds=TIMEOUT),
    Case("memory-hog", "resources", "memory_hog.py", ("ran out of memory",), ("内存超出限制",)),
    Case("output-flood", "resources", "output_flood.py", ("bytes cut] ...",), ("的输出（截断）",),
         cli=True, max_seconds=90),
    Case("daemon-setsid", "processes", "daemon_setsid.py", equal=True, printed=("PID=",),
         modules=("lenet", "batch_norm")),
    Case("daemon-keeps-pipes-open", "processes", "daemon_exit_parent.py",
         ("exited (exit code 0) while importing lenet.py",), ("进程退出",), printed=("PID=",),
         max_seconds=TIMEOUT - 1, notes="must not wait for the deadline: the pipe stays open"),
    Case("subprocess-sleep", "processes", "subprocess_sleep.py", equal=True, printed=("PID=",)),
    Case("fork-bomb", "processes", "fork_bomb.py", TIMED_OUT, TIMED_OUT_ZH, max_seconds=TIMEOUT + 20),
    Case("kill-parent", "processes", "kill_parent.py", equal=True, printed=("os.kill failed",),
         modules=("lenet", "batch_norm")),
    Case("kill-everyone", "processes", "kill_everyone.py", root_only=True, modules=("lenet", "batch_norm"),
         notes="as the grader's own user this would kill the test run itself"),
    # -- exits ------------------------------------------------------------------------------
    Case("exit-os-exit", "exit", "exit_os_exit.py", ("exited (exit code 0) while importing lenet.py",),
         ("进程退出（退出码 0）",)),
    Case("exit-systemexit-builder", "exit", "exit_systemexit_builder.py", ("SystemExit",), ("你的代码抛出了异常",)),
    Case("exit-signal-segv", "exit", "exit_signal_segv.py", ("crashed with signal SIGSEGV while",),
         ("因信号 SIGSEGV 崩溃",)),
    Case("exit-sigstop", "exit", "exit_sigstop.py", TIMED_OUT, TIMED_OUT_ZH),
    Case("exit-sigterm-ignored", "exit", "exit_sigterm_ignored.py", TIMED_OUT, TIMED_OUT_ZH),
    # -- forgery ----------------------------------------------------------------------------
    Case("forge-printed-results", "forgery", "forge_printed_results.py", ("[grader stack frame removed]",)),
    Case("forge-results-files", "forgery", "forge_results_files.py", root_only=True, printed=("could not write",)),
    Case("forge-patch-helpers", "forgery", "forge_patch_helpers.py",
         ("refused: lenet.py replaced",), TAMPERED_ZH, printed=("patched allclose",)),
    Case("forge-swap-probe-code", "forgery", "forge_swap_probe_code.py", ("refused: lenet.py replaced",),
         TAMPERED_ZH, printed=("__code__ swap failed", "gc walk failed")),
    Case("forge-pytest-hypothesis", "forgery", "forge_pytest_hypothesis.py", root_only=True,
         printed=("'pytest': False", "'grader.checks': False")),
    Case("forge-channel-garbage", "forgery", "forge_channel_garbage.py",
         ("refused: lenet.py wrote to the grader's private channel",), ("篡改了评分通道",)),
    Case("forge-channel-deep-json", "forgery", "forge_channel_deep.py",
         ("refused: lenet.py wrote to the grader's private channel",), ("篡改了评分通道",)),
    Case("forge-ctypes-memory", "forgery", "forge_ctypes_memory.py",
         printed=("dlopen blocked", "memmove blocked", "string_at blocked", "proc mem blocked", "settrace blocked")),
    Case("forge-channel-oversized", "forgery", "forge_channel_oversized.py",
         ("refused: lenet.py sent a reply too large while importing lenet.py",), ("过大的回复",),
         max_seconds=TIMEOUT - 1, notes="a length over the cap is refused at the header: no wait, no memory"),
    Case("forge-channel-short", "forgery", "forge_channel_short.py", TIMED_OUT + ("while importing lenet.py",),
         TIMED_OUT_ZH, notes="a length under the cap, then nothing: the budget ends it"),
    Case("forge-channel-many-objects", "forgery", "forge_channel_many_objects.py",
         ("refused: lenet.py sent a reply too large while importing lenet.py", "values, at most"), ("过大的回复",),
         max_seconds=TIMEOUT - 1, notes="3 million {} under the length cap: counted on the bytes, never built"),
    Case("names-forge-report", "forgery", "names_forge_report.py",
         ("where:    extra\\nTotal: 82 / 82\\n", "(ReLU\\nTotal: 82 / 82\\n"),
         notes="class and attribute names with newlines: one inert line each (grader/escaping.py)"),
    Case("forge-proc-mem-paths", "forgery", "forge_proc_mem_paths.py",
         printed=tuple(f"{way} blocked" for way in ("task", "thread-self", "link", "relative", "dir_fd", "pathlib",
                                                     "slashes", "bytes")),
         not_printed=("opened",)),
    Case("honest-proc-files", "false-alarm", "honest_proc_files.py", equal=True,
         printed=("meminfo: MemTotal:", "cpuinfo: True", "status: Name:"),
         notes="not an attack: reading /proc/meminfo (psutil, torch) must not be refused"),
    # -- the network -------------------------------------------------------------------------
    Case("net-loopback", "network", "net_loopback.py", equal=True, root_only=True,
         printed=("loopback 127.0.0.1: connect failed", "loopback localhost: connect failed"),
         not_printed=(": sent",), notes="a network namespace (bwrap's, or the child's own) needs root"),
    Case("net-unix-abstract", "network", "net_unix_abstract.py", equal=True, root_only=True,
         printed=("abstract SOCK_STREAM: connect failed", "abstract SOCK_DGRAM: connect failed"),
         not_printed=(": sent",), notes="abstract unix sockets are scoped by the network namespace"),
    # -- cheating ---------------------------------------------------------------------------
    Case("cheat-import-solutions", "cheating", "cheat_import_solutions.py", root_only=True,
         printed=("no solutions package",)),
    Case("cheat-read-solutions", "cheating", "cheat_read_solutions.py", root_only=True, printed=("found: None",),
         max_seconds=TIMEOUT + 15),
    Case("cheat-reference-memory", "cheating", "cheat_reference_memory.py",
         printed=("grade-module-absent", "checks-module-absent", "pytest-absent")),
    Case("symlink-to-reference", "cheating", "cheat_symlink_dir.py", layout="symlink-reference", baseline="zero",
         expect=("refused: lenet.py is a symbolic link outside the submission",),
         expect_zh=("拒绝评分：lenet.py 是指向提交目录之外的符号链接",), max_seconds=3),
    Case("symlink-outside", "cheating", None, layout="symlink-outside", baseline="zero",
         expect=("refused: lenet.py is a symbolic link outside the submission",), expect_zh=("符号链接",),
         max_seconds=3),
    Case("symlink-folder-to-reference", "cheating", "cheat_symlink_dir.py", layout="symlink-dir",
         printed=("no pkg",)),
    Case("fifo-module", "malformed", None, layout="fifo", baseline="zero",
         expect=("refused: lenet.py is not a regular file",), expect_zh=("不是普通文件",), max_seconds=3),
    Case("directory-module", "malformed", None, layout="directory", baseline="zero",
         expect=("refused: lenet.py is not a regular file",), max_seconds=3),
    # -- snooping ---------------------------------------------------------------------------
    Case("snoop-hidden-checks", "snooping", "snoop_hidden_checks.py",
         ("[grader source removed]", "[grader stack frame removed]")),
    # -- persistence ------------------------------------------------------------------------
    Case("persist-write-everywhere", "persistence", "persist_write_everywhere.py", equal=True, root_only=True,
         printed=("could not write",)),
    Case("persist-deep-folders", "persistence", "persist_deep_folders.py", equal=True, cli=True,
         printed=(), notes="a scratch folder 3,000 deep: removed without recursion"),
    Case("threads-left-running", "processes", "threads_background.py", equal=True),
    Case("persist-sysv-ipc", "persistence", "persist_sysv_ipc.py", equal=True, root_only=True,
         printed=("created: shm",), notes="a private IPC namespace needs root"),
    Case("kill-grader-midway", "processes", "kill_grader.py", kill_grader=True, max_seconds=90,
         notes="the grading process is killed (SIGKILL) while the module runs"),
    Case("graph-deep-chain", "resources", "graph_deep_chain.py", ("yours is far larger, and is not compared",),
         ("不予比较",), notes="1,500 ReLUs in a chain: the graph is read without recursion"),
    Case("graph-wide", "resources", "graph_wide.py", ("yours is far larger, and is not compared",
                                                     "far more than any network of the chapter"), ("不予比较",),
         notes="20,000 ReLUs: no quadratic alignment in the grading process"),
    Case("memory-memfd", "resources", "memory_memfd.py", memory_mb=300, needs_cgroup=True, root_only=True,
         not_printed=("memfd held all",), max_seconds=TIMEOUT + 20,
         notes="memory in files (memfd, tmpfs, shm) counts only in a memory cgroup"),
    # -- collusion between students -----------------------------------------------------------
    Case("collude-shared-folders", "collusion", "collude_shared_folders.py", root_only=True, repeat=2,
         printed=("planted in:",), not_printed=("collusion: ran", "filled 40 MB"), max_seconds=TIMEOUT + 15),
    Case("collude-keyring", "collusion", "collude_keyring.py", repeat=2, printed=("keyring stored:",),
         not_printed=("keyring: ran",), max_seconds=TIMEOUT + 15,
         notes="a key in the uid's user keyring outlives the sandbox: the keyring calls are refused (seccomp)"),
    Case("cheat-nested-class", "collusion", "cheat_nested_class.py", root_only=True, nested_class=True,
         printed=("found: None", "other processes: 0 naming the class: 0")),
    # -- malformed input --------------------------------------------------------------------
    Case("malformed-syntax", "malformed", b"def lenet(:\n    pass\n", ("SyntaxError",), ("导入 lenet.py 失败",)),
    Case("malformed-missing", "malformed", None, ("lenet.py is missing from the submission",),
         ("提交中缺少 lenet.py",), layout="missing", baseline="zero", max_seconds=3),
    Case("malformed-none", "malformed", "malformed_none.py", ("lenet() returned NoneType",)),
    Case("malformed-tensor", "malformed", "malformed_tensor.py", ("lenet() returned Tensor",)),
    Case("malformed-list", "malformed", "malformed_list.py", ("lenet() returned list",)),
    Case("malformed-signature", "malformed", "malformed_signature.py", ("TypeError",)),
    Case("malformed-missing-package", "malformed", "malformed_missing_package.py", ("ModuleNotFoundError",)),
    Case("malformed-non-utf8", "malformed", b"from torch import nn\nNAME = 'caf\xe9 \xff\xfe'\n", ("SyntaxError",)),
    Case("malformed-null-bytes", "malformed", b"def lenet():\n    return 1\x00\n", ("null bytes",)),
    Case("malformed-empty", "malformed", b"", ("AttributeError",)),
    Case("malformed-huge", "malformed", b"# padding\n" * 150_000, ("refused: lenet.py is 1,500,000 bytes",),
         ("过大",), baseline="zero", max_seconds=3),
    Case("evil-exception-loop", "malformed", "evil_exception_loop.py", TIMED_OUT, TIMED_OUT_ZH),
    Case("evil-exception-name", "malformed", "evil_exception_name.py", ("(its message could not be shown)",)),
    Case("terminal-escapes", "forgery", "terminal_escapes.py", ("\\x1b[2J",)),
]

# The one attack the sandbox cannot stop (see docs/maintainers/isolation.md, "Hostile submissions"): a module
# that takes over its own process's end of the channel can answer with public knowledge.
# Its test checks the bound: no point that needs the hidden reference.
TAKEOVER = Case("forge-channel-takeover", "forgery", "forge_channel_takeover.py",
                notes="known limit: public-knowledge observations can be forged")

# The BatchNorm from scratch computed by the library: the part earns nothing (not even its honest lines).
CASES.append(Case("cheat-library-batch-norm", "forgery", "cheat_library_batch_norm.py",
                  ("calls PyTorch's own normalization",), baseline="zero", modules=("batch_norm_scratch",),
                  notes="a TorchDispatchMode sees the normalization kernels, whatever the spelling"))

# No network, no takeover: layers for show and a lookup in whatever test data the module finds.
LOOKUP = Case("cheat-lookup-test-data", "forgery", "cheat_lookup_test_data.py",
              notes="student code never sees the data; the replay of its forward pass computes nothing")

THREATS = sorted({case.threat for case in CASES})
assert len({case.id for case in CASES}) == len(CASES)
