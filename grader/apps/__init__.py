"""The commands of ``python -m grader``, one module each (``grader/__main__.py`` lists them).

A command module holds only ``configure(parser)`` and ``main(args) -> int``:
it reads the command line and calls the library (``grader.grade``,
``grader.batch``, ``grader.train``...), which never imports a command. It
imports only what its command needs, so a quick command does not pay for torch.
"""
