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


def available_cores(most: int = 4) -> int:
    """Cores a forked pool may use: those of this process's affinity mask, at
    most ``most``; 1 where the platform does not fork or the caller is a
    pool's worker (which may not start processes of its own).

    >>> 1 <= available_cores() <= 4
    True
    """
    if "fork" not in multiprocessing.get_all_start_methods() or multiprocessing.current_process().daemon:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - platforms without affinity masks
        cores = os.cpu_count() or 1
    return max(1, min(cores, most))


class Beside:
    """``fn(*args, **kwargs)`` run in a forked child when cores allow, else at
    once here; :meth:`result` gives its value or raises its exception.

    The child must not touch the store (a DuckDB connection does not survive
    a fork): read what the task needs first and pass it in.

    >>> task = Beside(sum, [1, 2, 3])
    >>> task.result()
    6
    >>> Beside(int, "x").result()
    Traceback (most recent call last):
    ...
    ValueError: invalid literal for int() with base 10: 'x'
    """

    def __init__(self, fn: Callable[..., Any], *args, **kwargs):
        self._pool = self._future = None
        self._value = self._error = None
        if available_cores() >= 2:
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
            self._future = self._pool.submit(fn, *args, **kwargs)
            return
        try:
            self._value = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - handed to the caller by result()
            self._error = exc

    @property
    def forked(self) -> bool:
        """Whether the task runs in a child process."""
        return self._future is not None

    def result(self):
        if self._future is not None:
            try:
                self._value = self._future.result()
            except Exception as exc:  # noqa: BLE001 - the child's own exception, raised below
                self._error = exc
            finally:
                self._pool.shutdown()
                self._future = self._pool = None
        if self._error is not None:
            raise self._error
        return self._value
