"""``python -m grader gradescope OUT.zip``: write a Gradescope autograder package (``grader/gradescope.py``).

``python -m grader.apps.gradescope --run [--root DIR]`` is what the package's
``run_autograder`` calls for every submission.
"""
from __future__ import annotations

import sys
from pathlib import Path

from ..gradescope import FEEDBACK, VISIBILITY, PackageError, assignment_settings, build_package, run_autograder
from ..options import add_grading_options, add_lang_option, selected_modules


def configure(parser):
    parser.add_argument("out", nargs="?", metavar="OUT.zip", help="the autograder package to write")
    parser.add_argument("--hidden-feedback", choices=FEEDBACK, default="brief",
                        help="what students see of a failed hidden check (default %(default)s)")
    parser.add_argument("--hidden-visibility", choices=VISIBILITY, default="visible",
                        help="Gradescope visibility of the hidden checks (default %(default)s)")
    add_grading_options(parser, devices=("cpu",), default_device="cpu")   # Gradescope's containers have no GPU
    add_lang_option(parser, "both", "what students see (default %(default)s)")
    parser.add_argument("--no-warm", action="store_true",
                        help="do not precompute the reference's observations (each container computes them)")
    parser.add_argument("--no-data", action="store_true",
                        help="do not put Fashion-MNIST in the package (setup.sh installs dataset-fashion-mnist)")
    parser.add_argument("--run", action="store_true", help="(run_autograder) grade ROOT/submission")
    parser.add_argument("--root", default="/autograder", help="(with --run) Gradescope's root folder")


def main(args) -> int:
    if args.run:
        return run_autograder(Path(args.root))
    if not args.out:
        print("gradescope: give OUT.zip (or --run)", file=sys.stderr)
        return 2
    modules = selected_modules(args.only, "gradescope")
    if modules is None:
        return 2
    out = Path(args.out)
    try:
        names = build_package(out, not args.no_train, modules, args.hidden_feedback, args.hidden_visibility,
                              args.timeout, args.train_timeout, args.memory, warm=not args.no_warm,
                              include_data=not args.no_data, lang=args.lang)
    except PackageError as error:
        print(f"gradescope: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        from ..grade import GraderBroken
        if isinstance(error, GraderBroken):
            print(f"gradescope: the grader could not run on the reference solutions: {error}", file=sys.stderr)
            return 3
        raise
    data = [n for n in names if n.startswith("kit/data/")]
    print(f"wrote {out} ({out.stat().st_size / 2**20:.1f} MB, {len(names)} files): setup.sh, run_autograder, "
          f"kit/ ({', '.join(modules)}; {'with' if not args.no_train else 'without'} training checks"
          + ("; Fashion-MNIST included" if data else "") + ")")
    if not args.no_train and not data and not args.no_data:
        print("gradescope: Fashion-MNIST not found here; setup.sh will install dataset-fashion-mnist",
              file=sys.stderr)
    print("Upload it as the autograder of a Gradescope programming assignment (Ubuntu base image).")
    total, seconds = assignment_settings(modules, not args.no_train, args.timeout, args.train_timeout)
    print(f"In Gradescope's settings: total points {total:g} (Gradescope's machines have no GPU), "
          f"autograder timeout at least {seconds // 60 + 1} minutes.")
    return 0


if __name__ == "__main__":
    import argparse
    command_line = argparse.ArgumentParser(prog="python -m grader.apps.gradescope", description=__doc__.splitlines()[0])
    configure(command_line)
    sys.exit(main(command_line.parse_args()))
