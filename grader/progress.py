"""Progress bars for the trainer and ``batch``: tqdm's, on stderr, only where someone watches.

``progress_bar(total, ...)`` returns a ``tqdm`` bar when the stream is a
terminal (or ``enabled=True``). Elsewhere (a pipe, a log file, the grader's
sandbox) it returns an object with the same methods that does nothing, or,
with ``log_every=SECONDS``, a bar that writes tqdm's status as one plain line
at most every ``log_every`` seconds and once at the end, for logs in which a
carriage return redraws nothing. tqdm is imported only when a bar is shown.
"""
from __future__ import annotations

import contextlib
import os
import sys
import time


class _Off:
    """A bar that is not shown: the methods of tqdm that the kit calls, doing nothing."""

    n = 0

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        pass

    def refresh(self) -> None:
        pass

    def close(self) -> None:
        pass

    @staticmethod
    def external_write_mode(file=None, nolock: bool = False):
        return contextlib.nullcontext()


def _classes():
    from tqdm import tqdm

    class Bar(tqdm):
        monitor_interval = 0        # no monitor thread: update() is called often enough

    class Lines(Bar):
        """tqdm's status text as whole lines: when the count changed, at most every ``mininterval`` s, and last."""

        _shown = (None, -float("inf"))      # (count, time) of the last line written

        def display(self, msg=None, pos=None):
            now = time.monotonic()
            final = getattr(self, "_final", False)
            if msg == "" or self.n == self._shown[0] or (now - self._shown[1] < self.mininterval and not final):
                return False                # close() clearing (nothing to clear), or nothing new yet
            self._shown = (self.n, now)
            self.fp.write(str(self) + "\n")
            self.fp.flush()
            return True

        def close(self):
            if not self.disable:
                self._final = True
                self.refresh()
            super().close()

    return Bar, Lines


def _columns(stream) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 0


def progress_bar(total: int, *, desc: str = "", unit: str = "it", enabled: bool | None = None,
                 log_every: float | None = None, leave: bool = False, stream=None):
    """A tqdm bar of ``total`` steps on ``stream`` (stderr); see the module docstring.

    ``enabled``: None shows the bar when ``stream`` is a terminal, True always,
    False never (not even the log lines). ``leave``: keep the finished bar on
    the screen (else it is cleared, as for a bar followed by a summary line).
    """
    stream = sys.stderr if stream is None else stream
    if enabled is None:
        isatty = getattr(stream, "isatty", None)
        tty = bool(isatty and isatty())
    else:
        tty = enabled
    if enabled is False or (not tty and log_every is None):
        return _Off()
    bar, lines = _classes()
    if tty:
        sized = _columns(stream) > 0         # a terminal that reports no size (some ptys): 80 columns
        return bar(total=total, desc=desc, unit=unit, file=stream, leave=leave, dynamic_ncols=sized,
                   ncols=None if sized else 80, nrows=None if sized else 20, mininterval=0.1)
    return lines(total=total, desc=desc, unit=unit, file=stream, leave=False, ncols=80, ascii=True,
                 mininterval=log_every)
