"""Hard time bounds: run a job in a forked worker process that can always be stopped.

``SIGALRM`` (:mod:`symbp.core.timeout`) cannot interrupt one long C call — an exact
power such as ``10**(10**10)`` computed by GMP — so a claim like ``10^{10^{10}} = 1``
would run on past any limit.  :class:`BoundedWorker` runs the job in a child process
forked from this one (nothing is imported again, so a claim costs a fork, not a start-up)
and watches it from here:

* the child reports each :func:`symbp.core.witness.check_equation` call (a *step*) as it
  starts and ends;
* reading the input, every step, and the gap between two steps each get at most
  ``step_seconds``; when one overruns, the child is killed;
* a step that overran is answered UNDECIDED ("time limit") and the job runs again in a
  fresh child that replays the finished steps' results, so the steps after it are still
  checked; a job whose reading overran (or, with ``total_seconds``, that overran as a
  whole) ends with :class:`JobTimedOut`.

The child is reused across jobs until it has to be killed (``with BoundedWorker() as w:``
and ``w.run(...)`` many times), so many short claims pay for one fork.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import warnings
from dataclasses import dataclass

from .verdict import Evidence, Verdict

#: memory a worker may use on top of what the parent had when it forked (bytes)
MEMORY_HEADROOM = 3 * 1024 ** 3


@dataclass
class JobTimedOut(Exception):
    """The job did not finish in time outside any step (reading the input, between two
    steps) or as a whole (``total_seconds``)."""

    seconds: float
    phase: str  # "reading" | "between steps" | "the whole job"
    steps_done: int = 0

    def __str__(self) -> str:
        return f"{self.phase} did not finish in {self.seconds:g} s (time limit)"


@dataclass
class WorkerDied(Exception):
    """The worker ended without an answer (killed by the system, out of memory, …)."""

    detail: str

    def __str__(self) -> str:
        return self.detail


def time_limit_check(seconds: float):
    """The answer for a step that was stopped at its time limit."""
    from .witness import Check

    return Check(Verdict.UNDECIDED, (Evidence(
        "time limit", Verdict.UNDECIDED,
        f"the check did not finish in {seconds:g} s and was stopped"),))


def crashed_check(detail: str):
    """The answer for a step during which the worker process died."""
    from .witness import Check

    return Check(Verdict.UNDECIDED, (Evidence(
        "resources", Verdict.UNDECIDED,
        f"the check was stopped: {detail}"),))


# ---------------------------------------------------------------- child side

class _Observer:
    """Installed in the child as ``symbp.core.witness._observer``: numbers the steps,
    answers replayed ones from the parent's record, reports the others."""

    def __init__(self, conn, replay: dict):
        self.conn = conn
        self.replay = replay
        self.count = 0
        self.depth = 0

    def run(self, compute):
        if self.depth:  # a check inside a check is part of its step
            return compute()
        n = self.count
        self.count += 1
        if n in self.replay:
            return self.replay[n]
        self.conn.send(("start", n))
        self.depth += 1
        try:
            check = compute()
        finally:
            self.depth -= 1
        try:
            self.conn.send(("end", n, check))
        except Exception:  # noqa: BLE001 - not picklable: the step is recomputed on a replay
            self.conn.send(("end", n, None))
        return check


def _limit_memory() -> None:
    try:
        import resource

        with open("/proc/self/status", encoding="ascii") as fh:
            vm = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:"))
        limit = vm + MEMORY_HEADROOM
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError, StopIteration, ImportError):
        pass  # not Linux: no memory bound, the time bound still holds


def _serve(conn) -> None:
    import signal

    # Ctrl-C is the parent's to handle (it kills this process); an exception here must
    # never reach multiprocessing, which would print a traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _serve_jobs(conn)
    except BaseException:  # noqa: BLE001 - the parent sees EOF and reports it
        os._exit(1)


def _serve_jobs(conn) -> None:
    from . import witness

    _limit_memory()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        fn, args, kwargs, replay = job
        witness._observer = _Observer(conn, replay)
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - shipped to the parent, raised there
            conn.send(("error", _pack_exception(exc)))
        else:
            try:
                conn.send(("done", result))
            except Exception as exc:  # noqa: BLE001 - an unpicklable result is a bug
                conn.send(("error", _pack_exception(exc)))
        finally:
            witness._observer = None


def _pack_exception(exc: BaseException):
    import pickle

    state = (type(exc), exc.args, dict(getattr(exc, "__dict__", {})))
    try:
        pickle.dumps(state)
        return state
    except Exception:  # noqa: BLE001 - an exception type or state that cannot travel
        return (RuntimeError, (f"{type(exc).__name__}: {exc}",), {})


def _unpack_exception(state) -> BaseException:
    cls, args, attrs = state
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(attrs)
    return exc


# ---------------------------------------------------------------- parent side

class BoundedWorker:
    """A reusable forked worker; :meth:`run` calls ``fn(*args, **kwargs)`` in it."""

    def __init__(self):
        self._proc = None
        self._conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        if self._proc is not None:
            try:
                self._conn.send(None)
            except (OSError, ValueError):
                pass
            self._proc.join(0.5)
            self._kill()

    def _kill(self) -> None:
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join()
            self._conn.close()
        self._proc = self._conn = None

    def _start(self) -> None:
        ctx = multiprocessing.get_context("fork")
        parent_conn, child_conn = ctx.Pipe()
        proc = ctx.Process(target=_serve, args=(child_conn,), daemon=True,
                           name="symbp-worker")
        with warnings.catch_warnings():  # Python ≥ 3.12 warns about forking with threads
            warnings.simplefilter("ignore", DeprecationWarning)
            proc.start()
        child_conn.close()
        self._proc, self._conn = proc, parent_conn

    def run(self, fn, args=(), kwargs=None, *, step_seconds: float,
            total_seconds: float | None = None):
        """``fn(*args, **kwargs)`` in the worker; each phase bounded by ``step_seconds``
        and, when given, the whole job by ``total_seconds``.

        Returns what ``fn`` returns; re-raises what it raises; raises
        :class:`JobTimedOut` when reading (the time before the first step) or the whole
        job overruns, and :class:`WorkerDied` when the worker dies outside a step.
        """
        kwargs = dict(kwargs or {})
        if ("fork" not in multiprocessing.get_all_start_methods()  # Windows
                or multiprocessing.current_process().daemon):  # a pool worker: no children
            return fn(*args, **kwargs)  # in-process, bounded by the alarms only
        replay: dict = {}
        end = time.monotonic() + total_seconds if total_seconds else None
        while True:
            outcome = self._attempt(fn, args, kwargs, replay, step_seconds, end, total_seconds)
            if outcome[0] == "done":
                return outcome[1]
            if outcome[0] == "error":
                raise _unpack_exception(outcome[1])
            # a step overran or the worker died in it: answer it and replay
            _, step, check, done = outcome
            replay = dict(done)
            replay[step] = check

    def _attempt(self, fn, args, kwargs, replay, seconds, end=None, total=None):
        if self._proc is None or not self._proc.is_alive():
            self._kill()
            self._start()
        done = {n: c for n, c in replay.items()}
        self._conn.send((fn, args, kwargs, replay))
        current = None
        started = 0
        deadline = time.monotonic() + seconds
        try:
            while True:
                remaining = deadline - time.monotonic()
                if end is not None and end - time.monotonic() < remaining:
                    remaining = end - time.monotonic()
                    if remaining <= 0 or not self._conn.poll(remaining):
                        self._kill()
                        raise JobTimedOut(total, "the whole job", started)
                if remaining <= 0 or not self._conn.poll(remaining):
                    self._kill()
                    if current is not None:
                        return ("step", current, time_limit_check(seconds), done)
                    raise JobTimedOut(seconds, "between steps" if started else "reading",
                                      started)
                try:
                    msg = self._conn.recv()
                except (EOFError, OSError):
                    detail = self._death()
                    if current is not None:
                        return ("step", current, crashed_check(detail), done)
                    raise WorkerDied(detail) from None
                kind = msg[0]
                if kind == "start":
                    current = msg[1]
                    started += 1
                elif kind == "end":
                    if msg[2] is not None:
                        done[msg[1]] = msg[2]
                    current = None
                else:
                    return msg
                deadline = time.monotonic() + seconds
        except BaseException:  # interrupted (Ctrl-C, …): never leave the worker behind
            self._kill()
            raise

    def _death(self) -> str:
        proc = self._proc
        proc.join(1.0)
        code = proc.exitcode
        self._kill()
        if code is not None and code < 0:
            import signal

            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"the worker process was ended by {name} (out of memory or a crash)"
        return f"the worker process ended unexpectedly (exit status {code})"
