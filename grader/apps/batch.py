"""``python -m grader batch SUBMISSIONS --out DIR``: grade a whole class (``grader/batch/``)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from ..batch import MAX_JOBS, BatchAborted, Options, parse_shard, run_batch, slurm_shard
from ..options import add_grading_options, add_lang_option, readable_folder, selected_modules


def configure(parser):
    parser.add_argument("submissions", metavar="SUBMISSIONS",
                        help="folder with one folder or one .zip per student, named by student id")
    parser.add_argument("--out", required=True, metavar="DIR", help="where results, grades.csv and the summary go")
    parser.add_argument("--jobs", type=int, default=None,
                        help=f"grading processes working in parallel (default: one per CPU, at most {MAX_JOBS} and "
                             "as many as the memory holds; the progress line says how many and why)")
    parser.add_argument("--shard", metavar="K/N", default=None,
                        help="grade only the K-th of N parts of the class (split by a digest of the student id, "
                             "K from 1 to N); 'python -m grader merge' joins the parts' folders. Without --shard, "
                             "a task of a Slurm job array (SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT both set) "
                             "grades its part: K = SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN + 1, "
                             "N = SLURM_ARRAY_TASK_COUNT, for an array 1-N or 0-(N-1) without gaps (sbatch "
                             "--array=1-8); any other array (--array=3, a rerun of one part) needs --shard")
    parser.add_argument("--force", action="store_true", help="grade again students already graded")
    add_lang_option(parser, "en", "each report.txt and results.json (default %(default)s)")
    add_grading_options(parser)


def main(args) -> int:
    modules = selected_modules(args.only, "batch")
    if modules is None:
        return 2
    submissions = readable_folder(args.submissions, "batch")
    if submissions is None:
        return 2
    if args.jobs is not None and args.jobs < 1:
        print("batch: --jobs must be at least 1", file=sys.stderr)
        return 2
    try:
        shard = parse_shard(args.shard) if args.shard else slurm_shard() or (1, 1)
    except ValueError as error:
        print(f"batch: {error}", file=sys.stderr)
        return 2
    device = args.device if not args.no_train else "cpu"     # the device only matters for training
    if device == "auto":
        from ..grade import resolve_device
        device = resolve_device(device)
    options = Options(modules, not args.no_train, device, args.timeout, args.train_timeout, args.memory, args.lang)
    started = time.monotonic()
    try:
        counts = run_batch(submissions, Path(args.out), options, jobs=args.jobs, force=args.force, shard=shard)
    except BatchAborted as error:
        print(f"\nbatch: stopped, the grader itself could not run: {error}\n"
              f"Students graded so far are written under {args.out}; rerun to go on.", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print(f"\nbatch: interrupted; students graded so far are written under {args.out}; "
              "rerun to go on.", file=sys.stderr)
        return 130
    part = f"shard {shard[0]}/{shard[1]}: " if shard[1] > 1 else ""
    at_once = f"{counts['jobs']} at once, " if counts["jobs"] else ""
    print(f"batch: {part}{counts['students']} student(s): "
          f"{counts['graded']} graded ({counts['distinct_files']} distinct module files), "
          f"{counts['skipped']} already graded, {counts['rejected']} rejected, {counts['errors']} with files not "
          f"graded; {at_once}{time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0
