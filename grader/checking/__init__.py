"""How the hidden checks are run and scored.

The checks themselves are pytest tests in ``grader/hidden_tests/`` (one test
function per check, its kind as a marker). This package runs them against
one network of a submission and turns their outcomes into results:

- ``points``: the points table and the cause policy's share;
- ``observer``: asks a sandboxed child for observations (never verdicts);
- ``plugin``: the pytest plugin that gives the tests their fixtures and
  records each outcome;
- ``catalogue``: which checks exist, with their kinds and points;
- ``policy``: one mistake, reported once and charged once;
- ``runner``: runs pytest for one network and applies the policy.
"""
