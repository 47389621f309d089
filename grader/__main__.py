"""``python -m grader COMMAND ...``: the kit's command line.

Each command lives in its own module, which defines ``configure(parser)`` and
``main(args) -> int``. Only the chosen command's module is imported, so a
quick command does not pay for torch, nbgrader or Pillow.
"""
import argparse
import importlib
import sys

from . import threads

COMMANDS = {
    "tables": ("grader.tables", "print each network's per-layer output table, as the book does"),
    "stubs": ("grader.stubgen", "regenerate exercises/ from solutions/ (or --check that they agree)"),
    "grade": ("grader.grade", "grade a submission folder with the hidden checks"),
    "train": ("grader.train", "train a network on Fashion-MNIST"),
    "nbgrader": ("grader.course", "create or refresh an nbgrader course directory"),
    "release": ("grader.release", "write the student bundle"),
    "batch": ("grader.batch", "grade a whole class"),
    "merge": ("grader.merge", "merge the folders of batch --shard runs into one class"),
    "gradescope": ("grader.gradescope", "write a Gradescope autograder package"),
}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = next((a for a in argv if not a.startswith("-")), None)
    threads.configure_environment()     # before the command imports torch: its threads and every child's
    handler = None
    for name, (module_name, help_text) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = importlib.import_module(module_name)
            module.configure(sub)
            handler = module.main
    args = parser.parse_args(argv)
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
