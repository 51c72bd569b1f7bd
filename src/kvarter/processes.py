"""Work in forked processes: how many cores may take it, and one task run
beside the caller's own work.

A job on a machine with cores to spare runs an independent, CPU-bound part
(the segregation draws, a programme's bootstrap) in a forked child while it
goes on with the next part (disclosure control), and collects the result
where the part was due. Forking copies the parent's data without pickling it
and starts no interpreter; where there is no fork, one core only, or the
caller is itself a pool's worker, the task runs at once in the caller, so the
numbers never depend on how they were computed.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any, Callable


#: Cores kept for the processes this one runs beside: a task forked by
#: :class:`Beside` leaves one core to the caller it runs beside.
_RESERVED = 0


def available_cores(most: int = 4) -> int:
    """Cores a forked pool may use: those of this process's affinity mask, at
    most ``most``, less the one a task run beside its caller leaves to the
    caller (a pool of its own would otherwise crowd the caller's work off
    the cores it shares); 1 where the platform does not fork or the caller
    is a pool's worker (which may not start processes of its own).

    >>> 1 <= available_cores() <= 4
    True
    """
    if "fork" not in multiprocessing.get_all_start_methods() or multiprocessing.current_process().daemon:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - platforms without affinity masks
        cores = os.cpu_count() or 1
    return max(1, min(cores - _RESERVED, most))


def _send_outcome(conn, fn, args, kwargs) -> None:
    """Run ``fn`` in the child and send ``(True, value)`` or ``(False, exception)`` to the parent."""
    global _RESERVED
    _RESERVED += 1
    try:
        outcome = (True, fn(*args, **kwargs))
    except BaseException as exc:  # noqa: BLE001 - handed to the caller by Beside.result()
        outcome = (False, exc)
    try:
        conn.send(outcome)
    except Exception as exc:  # noqa: BLE001 - a value or exception that does not pickle
        conn.send((False, RuntimeError(f"{getattr(fn, '__name__', fn)} ran beside, but its "
                                       f"{'value' if outcome[0] else 'exception'} could not be sent back: {exc}")))
    finally:
        conn.close()


class Beside:
    """``fn(*args, **kwargs)`` run in a forked child when cores allow, else at
    once here; :meth:`result` gives its value or raises its exception.

    The child inherits ``fn`` and its arguments through the fork: they are
    never pickled, so a task may take objects that refuse to be pickled
    (a :class:`~kvarter.disclosure.Protected` table); only its value, or its
    exception, is sent back. The child must not touch the store (a DuckDB
    connection does not survive a fork): read what the task needs first and
    pass it in.

    >>> task = Beside(sum, [1, 2, 3])
    >>> task.result()
    6
    >>> Beside(int, "x").result()
    Traceback (most recent call last):
    ...
    ValueError: invalid literal for int() with base 10: 'x'
    """

    def __init__(self, fn: Callable[..., Any], *args, **kwargs):
        self._process = self._conn = None
        self._value = self._error = None
        self._name = getattr(fn, "__name__", repr(fn))
        if available_cores() >= 2:
            ctx = multiprocessing.get_context("fork")
            self._conn, child_end = ctx.Pipe(duplex=False)
            self._process = ctx.Process(target=_send_outcome, args=(child_end, fn, args, kwargs))
            self._process.start()
            child_end.close()  # so a child that dies unsent reads as end of file here
            return
        try:
            self._value = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - handed to the caller by result()
            self._error = exc

    @property
    def forked(self) -> bool:
        """Whether the task runs in a child process."""
        return self._process is not None

    def cancel(self) -> None:
        """Stop the child, if one still runs, and forget the task (for a
        caller whose own work failed before it wanted the result).

        >>> task = Beside(sum, [1, 2])
        >>> task.cancel()
        >>> task.result()
        Traceback (most recent call last):
        ...
        RuntimeError: sum was cancelled.
        """
        if self._process is not None:
            self._process.terminate()
            self._process.join()
            self._conn.close()
            self._process = self._conn = None
        self._value, self._error = None, RuntimeError(f"{self._name} was cancelled.")

    def result(self):
        if self._process is not None:
            try:
                # Read before joining: a large value fills the pipe and the child waits for it to be read.
                ok, value = self._conn.recv()
            except EOFError:
                self._process.join()
                ok, value = False, RuntimeError(
                    f"{self._name} ran beside and ended without a result (exit code {self._process.exitcode}).")
            finally:
                self._conn.close()
            self._process.join()
            self._process = self._conn = None
            if ok:
                self._value = value
            else:
                self._error = value
        if self._error is not None:
            raise self._error
        return self._value
