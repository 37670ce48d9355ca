"""Bounded time for SymPy work that can run for very long (``simplify``, ``limit``).

Uses ``SIGALRM`` where it can (the main thread on POSIX).  The exception is a
``BaseException`` so that SymPy's own ``except Exception`` blocks cannot swallow
it.  Elsewhere the work runs unbounded and the caller is told via ``bounded``.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


RETRY_INTERVAL = 0.05  # seconds between repeated alarms once the limit is up


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

    active = [True]

    def _raise(signum, frame):
        if active[0]:
            raise TimeLimitExceeded()

    old_handler = signal.signal(signal.SIGALRM, _raise)
    # Re-fire every RETRY_INTERVAL: an exception raised while the interpreter
    # runs a gc or weakref callback is "unraisable" and swallowed, which would
    # otherwise leave the block running unbounded.
    signal.setitimer(signal.ITIMER_REAL, seconds, RETRY_INTERVAL)
    try:
        yield
    finally:
        active[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if previous_remaining:
            # give the outer block what is left of its own limit
            signal.setitimer(signal.ITIMER_REAL, max(previous_remaining - seconds, 1e-3),
                             RETRY_INTERVAL)
