"""The kit on Jupyter and nbgrader: course notebooks, their kernel, and grades made outside it.

One job per module (this file imports none of them: ``cells`` ships to
students alone, in the package ``d2lkit`` of ``python -m grader release``):

- ``cells``: what the notebook cells call in the kernel (the visible tests, the
  grade cells' note); the student's side, with no hidden check;
- ``course``: ``python -m grader nbgrader COURSE_DIR``: the notebooks, made from
  ``solutions/`` and the spec, and nbgrader's configuration;
- ``kernel``: the course's kernelspec and its launcher, which runs ipykernel in
  a sandbox under ``nbgrader autograde``;
- ``submitted``: a submitted notebook read whatever it holds, and rebuilt on the
  instructor's version (only the answer cells' text is the student's);
- ``execute``: ``KitExecute``, nbgrader's Execute with the sandboxed kernel, a
  time budget per notebook, and the kit's grade;
- ``regrade``: every grade cell graded by the kit outside the kernel.
"""
