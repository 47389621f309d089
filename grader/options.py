"""Command-line options shared by the commands that grade (grade, batch, gradescope, nbgrader)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from .spec import ALL_MODULES, MODULES, NETWORKS
from .text import LANGS

DEFAULT_TIMEOUT = 60.0          # seconds for all non-training checks of one network
DEFAULT_TRAIN_TIMEOUT = 300.0   # seconds for the training check of one network
DEFAULT_MEMORY_MB = 3072        # memory cap for the code of one network
# On a busy machine the training check slows down with everything else, so its budget is
# at least --train-timeout and at least TRAIN_PACE_FACTOR times the reference's own time
# for the same run, measured on this machine at grading time; at most TRAIN_BUDGET_CAP
# times --train-timeout, so grading stays bounded.
TRAIN_PACE_FACTOR = 10
TRAIN_BUDGET_CAP = 3


def max_train_seconds(train_timeout: float) -> float:
    """The longest the training check of one network may take (see TRAIN_BUDGET_CAP)."""
    return TRAIN_BUDGET_CAP * train_timeout


def add_lang_option(parser, default: str | None, what: str) -> None:
    """``--lang en|zh|both``: the one language choice of every command (``grader/text.py``)."""
    parser.add_argument("--lang", choices=LANGS, default=default, help=f"language of {what}")


def add_grading_options(parser, devices=("auto", "cpu", "cuda"), default_device="auto") -> None:
    parser.add_argument("--no-train", action="store_true", help="leave out the training checks")
    parser.add_argument("--only", metavar="MODULE[,MODULE...]",
                        help="only these modules (default: the seven networks; 'all' adds batch_norm_scratch "
                             "and densenet)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help="seconds for all non-training checks of one network (default %(default)s)")
    parser.add_argument("--train-timeout", type=float, default=DEFAULT_TRAIN_TIMEOUT,
                        help="seconds for the training check of one network (default %(default)s); on a busy "
                             f"machine up to {TRAIN_BUDGET_CAP}x this, when the reference itself needs more than "
                             f"1/{TRAIN_PACE_FACTOR} of it")
    parser.add_argument("--memory", type=int, default=DEFAULT_MEMORY_MB,
                        help="memory cap in MB for the code of one network (default %(default)s)")
    parser.add_argument("--device", choices=devices, default=default_device,
                        help="where training checks run (auto: cuda when available; default %(default)s)")


def selected_modules(only: str | None, command: str) -> tuple[str, ...] | None:
    """The modules ``--only`` names (the seven of ``MODULES`` without it; ``all``: those and the chapter's two
    other parts, ``EXTRA_MODULES``); None, with a message, when one is unknown."""
    if not only:
        return MODULES
    modules = tuple(m.strip() for m in only.split(",") if m.strip())
    if modules == ("all",):
        return ALL_MODULES
    unknown = [m for m in modules if m not in NETWORKS]
    if unknown or not modules:
        print(f"{command}: unknown module(s) {', '.join(unknown) or only!r}; choose from {', '.join(ALL_MODULES)} "
              "(or all)", file=sys.stderr)
        return None
    return tuple(dict.fromkeys(modules))


def readable_folder(path: str, command: str) -> Path | None:
    """``path`` as a Path when it is a folder this process can list; None, with a message, otherwise."""
    folder = Path(path)
    if not folder.is_dir() or not os.access(folder, os.R_OK | os.X_OK):
        print(f"{command}: {folder} is not a readable folder", file=sys.stderr)
        return None
    return folder
