"""Bounded time for SymPy work that can run for very long (``simplify``, ``limit``).

Uses ``SIGALRM`` where it can (the main thread on POSIX).  The exception is a
``BaseException`` so that SymPy's own ``except Exception`` blocks cannot swallow
it.  Elsewhere the work runs unbounded and the caller is told via ``bounded``.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


class TimeLimitExceeded(BaseException):
    """Raised inside the guarded block when its time is up."""


def can_bound() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float | None):
    """Raise :class:`TimeLimitExceeded` in the block after ``seconds`` (None: no limit)."""
    if not seconds or not can_bound():
        yield
        return
    previous_remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    if previous_remaining and previous_remaining < seconds:
        seconds = previous_remaining  # an outer limit is tighter: keep it

    def _raise(signum, frame):
        raise TimeLimitExceeded()

    old_handler = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if previous_remaining:
            # give the outer block what is left of its own limit
            signal.setitimer(signal.ITIMER_REAL, max(previous_remaining - seconds, 1e-3))
