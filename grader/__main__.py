"""``python -m grader COMMAND ...``: the kit's command line.

Each command lives in its own module, which defines ``configure(parser)`` and
``main(args) -> int``.
"""
import argparse
import importlib
import sys

COMMANDS = {
    "tables": ("grader.tables", "print each network's per-layer output table, as the book does"),
    "stubs": ("grader.stubgen", "regenerate exercises/ from solutions/ (or --check that they agree)"),
    "grade": ("grader.grade", "grade a submission folder with the hidden checks"),
    "train": ("grader.train", "train a network on Fashion-MNIST"),
    "nbgrader": ("grader.course", "create or refresh an nbgrader course directory"),
    "release": ("grader.release", "write the student bundle"),
    "batch": ("grader.batch", "grade a whole class"),
    "gradescope": ("grader.gradescope", "write a Gradescope autograder package"),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    handlers = {}
    for name, (module_name, help_text) in COMMANDS.items():
        if importlib.util.find_spec(module_name) is None:
            continue   # not built yet
        module = importlib.import_module(module_name)
        module.configure(commands.add_parser(name, help=help_text, description=help_text))
        handlers[name] = module.main
    args = parser.parse_args(argv)
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
