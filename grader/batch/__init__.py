"""Grading a whole class (``python -m grader batch SUBMISSIONS --out DIR``, ``grader/apps/batch.py``).

``SUBMISSIONS`` holds one folder or one ``.zip`` per student, named by the
student's id. The module files may sit at the top or deeper (a zipped
``exercises/`` folder, a whole bundle): see ``discovery.choose``. For every student
``DIR/students/ID/`` receives ``results.json`` (Gradescope's format, as
``grade --json`` writes it), ``report.txt`` and ``batch.json`` (what was
graded, with which options); ``DIR`` receives ``grades.csv`` (student, total,
points per network), ``summary.txt`` and ``class.html`` (``class_report``: the
totals, and the causes that cost the class the most points: the mistakes
worth a lecture).

Speed. Grading is deterministic, so a module file is graded once per batch
however many students hand it in (the untouched stubs, copies of the same
code): the unit of work is one distinct (module, file content) pair. ``--jobs``
worker processes, forked once, each keep a warm torch, the reference's
observations and the grader's caches for the whole batch; they take the
distinct files in the order the students need them, so students finish one
after another and the progress bar can tell the time left.

Robustness. A student's file that hangs, crashes or floods memory costs that
student the checks of that network (the sandbox's limits); a worker that
dies or overruns its watchdog is killed with its sandboxes and replaced, and
the file is reported as not graded (``status: error`` in ``grades.csv``, graded
again on the next run). Zip archives are checked before anything is
extracted: path traversal, absolute paths, links, special files, encrypted
members, compression methods zipfile cannot read and zip bombs reject that
student's archive with a clear message; so does any other error while
reading a submission (a damaged member, a CRC mismatch): one student's bad
archive never stops the class.
A rerun skips every student whose submission and options are unchanged,
unless ``--force``. Only an error of the grader itself (``GraderBroken``)
stops the batch; what was graded stays written.

The modules, in the order a batch uses them:

- ``discovery``: finding a student's module files in a folder;
- ``archives``: checking and unpacking a student's zip;
- ``students``: the class, and what each student handed in;
- ``options``: what the class is graded with, and its total;
- ``pool``: the grading processes, and how many run at once;
- ``shards``: a class split over several machines, and the parts' manifests;
- ``run``: the batch itself (``run_batch``);
- ``class_files``: ``grades.csv``, ``summary.txt`` and ``class.html``.

The names below are the package's interface (``merge``, ``gradescope``, the tests).
"""
from .archives import ZIP_MAX_MEMBERS, ZIP_METHODS, ZipRejected, unpack_zip
from .class_files import class_summary, load_class, summary_text, write_class_files, write_grades
from .discovery import find_modules, shown_path
from .options import Options, assignment_maximum
from .pool import MAX_JOBS, parallelism
from .run import NOT_GRADED, ZH_REJECTED, BatchAborted, already_graded, grade_students, run_batch
from .shards import manifest_name, parse_shard, shard_of, slurm_shard, write_manifest
from .students import Student, discover, prepare

__all__ = ["ZIP_MAX_MEMBERS", "ZIP_METHODS", "ZipRejected", "unpack_zip",
           "class_summary", "load_class", "summary_text", "write_class_files", "write_grades",
           "find_modules", "shown_path", "Options", "assignment_maximum", "MAX_JOBS", "parallelism",
           "NOT_GRADED", "ZH_REJECTED", "BatchAborted", "already_graded", "grade_students", "run_batch",
           "manifest_name", "parse_shard", "shard_of", "slurm_shard", "write_manifest",
           "Student", "discover", "prepare"]
