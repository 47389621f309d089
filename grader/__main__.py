"""``python -m grader COMMAND ...``: the kit's command line.

Each command lives in its own module of ``grader/apps/``, which defines
``configure(parser)`` and ``main(args) -> int`` and calls the library. Only
the chosen command's module is imported, so a quick command does not pay for
torch, nbgrader or Pillow.
"""
import argparse
import atexit
import importlib
import os
import sys
import threading

from . import threads

COMMANDS = {
    "tables": ("grader.apps.tables", "print each network's per-layer output table, as the book does"),
    "stubs": ("grader.apps.stubs", "regenerate exercises/ from solutions/ (or --check that they agree)"),
    "grade": ("grader.apps.grade", "grade a submission folder with the hidden checks"),
    "train": ("grader.apps.train", "train a network on Fashion-MNIST"),
    "nbgrader": ("grader.apps.nbgrader", "create or refresh an nbgrader course directory"),
    "release": ("grader.apps.release", "write the student bundle"),
    "batch": ("grader.apps.batch", "grade a whole class"),
    "merge": ("grader.apps.merge", "merge the folders of batch --shard runs into one class"),
    "gradescope": ("grader.apps.gradescope", "write a Gradescope autograder package"),
}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = next((a for a in argv if not a.startswith("-")), None)
    threads.configure_environment(trainer=chosen == "train")   # before the command imports torch
    handler = None
    for name, (module_name, help_text) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = importlib.import_module(module_name)
            module.configure(sub)
            handler = module.main
    args = parser.parse_args(argv)
    return handler(args)


def leave(code: int) -> None:
    """Exit without the interpreter's teardown, which takes more than a second once torch is loaded.

    Nothing is lost: the other threads are waited for, the exit handlers run (they close the sandboxes
    and stop the zygote), and the output is flushed, as a normal exit would do first."""
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":
    try:
        status = main()
    except SystemExit as stop:      # argparse's --help and usage errors, as sys.exit would end them
        status = 0 if stop.code is None else stop.code
        if not isinstance(status, int):
            print(status, file=sys.stderr)
            status = 1
    leave(status)
