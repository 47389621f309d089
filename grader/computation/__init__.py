"""What a network computes, independent of how it is written.

- ``record``: a ``TorchFunctionMode`` that records the dataflow graph of one
  forward pass in a sandboxed child (an observation, sent as data);
- ``canonical``: the graph read back in a canonical order, with operations
  that do nothing dropped and equivalent spellings made one;
- ``diagnose``: where a student's computation first departs from the book's,
  named as a student would understand it, and which departures are one cause.

The child imports only ``record``; the grading process reads the data with
``canonical`` and ``diagnose``.
"""
