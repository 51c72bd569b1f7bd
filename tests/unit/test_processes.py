"""Work run beside the caller (kvarter.processes): the same numbers forked or not,
the child's exceptions raised in the caller, and the monitor's segregation
drawn beside disclosure control equal to the same drawn in line."""

from __future__ import annotations

import multiprocessing
import os

import pandas as pd
import pytest

import kvarter.processes as processes
from kvarter.processes import Beside, available_cores

forks = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods() or available_cores() < 2,
                           reason="needs fork and two cores")


@forks
def test_a_task_beside_runs_in_another_process_and_gives_its_value():
    task = Beside(os.getpid)
    assert task.forked
    assert task.result() != os.getpid()


def test_with_one_core_the_task_runs_at_once_in_the_caller(monkeypatch):
    monkeypatch.setattr(processes, "available_cores", lambda most=4: 1)
    seen = []
    task = Beside(seen.append, 1)
    assert not task.forked and seen == [1]  # ran before result() was asked for
    assert task.result() is None
    assert Beside(os.getpid).result() == os.getpid()


def _fail(kind, msg):
    raise kind(msg)


@forks
@pytest.mark.parametrize("kind", ["InputError", "MissingFieldError"])
def test_the_childs_exception_is_raised_by_result(kind):
    import kvarter.errors as errors

    task = Beside(_fail, getattr(errors, kind), "no pupils in the store")
    with pytest.raises(getattr(errors, kind), match="no pupils in the store"):
        task.result()


class _Unpicklable:
    def __init__(self, value):
        self.value = value

    def __reduce__(self):
        raise TypeError("refuses to be pickled")


@forks
def test_the_arguments_reach_the_child_through_the_fork_without_pickling():
    # A Protected table refuses pickling on purpose; the workbook is written beside from one.
    task = Beside(lambda box, k: (os.getpid(), box.value * k), _Unpicklable(21), k=2)
    assert task.forked
    pid, value = task.result()
    assert pid != os.getpid() and value == 42


@forks
def test_a_value_that_cannot_be_sent_back_is_an_error_naming_the_task():
    def boxed():
        return _Unpicklable(1)

    with pytest.raises(RuntimeError, match="boxed ran beside, but its value could not be sent back"):
        Beside(boxed).result()


@forks
def test_a_child_that_dies_is_an_error_with_its_exit_code():
    def dies():
        os._exit(3)

    with pytest.raises(RuntimeError, match=r"dies ran beside and ended without a result \(exit code 3\)"):
        Beside(dies).result()


def _cores_in_child():
    return available_cores(), Beside(os.getpid).forked


@forks
def test_a_task_beside_leaves_one_core_to_its_caller(monkeypatch):
    # What the child may use is decided in the child: with two cores, one (so
    # the programme's bootstrap runs in line there); a task it starts runs at once.
    assert Beside(_cores_in_child).result() == (max(1, available_cores() - 1), available_cores() > 2)


@forks
def test_a_cancelled_task_stops_its_child_at_once():
    import time

    task = Beside(time.sleep, 60)
    process = task._process
    started = time.perf_counter()
    task.cancel()
    assert time.perf_counter() - started < 10 and not process.is_alive()
    with pytest.raises(RuntimeError, match="sleep was cancelled"):
        task.result()


@forks
def test_the_monitor_leaves_no_child_running_when_its_own_work_fails(tmp_path, monkeypatch):
    import kvarter.jobs.monitor as monitor
    from kvarter.demo import synthesize
    from kvarter.disclosure import DisclosurePolicy
    from kvarter.store import Store

    data = synthesize(persons=1000, areas=16, schools=4, years=range(2023, 2025), seed=1)
    started = []
    real = monitor.Beside

    def watched(*args, **kwargs):
        task = real(*args, **kwargs)
        started.append(task._process)
        return task

    def screening_fails(*args, **kwargs):
        raise RuntimeError("screening failed")

    monkeypatch.setattr(monitor, "Beside", watched)
    monkeypatch.setattr(monitor, "_screen_years", screening_fails)
    with Store(tmp_path / "k.duckdb") as store:
        store.load_many({k: data[k] for k in ("areas", "schools", "persons")})
        with pytest.raises(RuntimeError, match="screening failed"):
            monitor.monitor_publication(store, policy=DisclosurePolicy(), permutations=2000, bootstrap=2000)
    assert started and all(p is not None and not p.is_alive() for p in started)
    assert multiprocessing.active_children() == []


def _drawn_beside(publication):
    return {name: table.frame for name, table in publication.tables.items()
            if name.startswith(("schools_", "areas_", "effects_"))}


@pytest.mark.slow
def test_what_the_monitor_draws_beside_disclosure_equals_the_same_drawn_in_line(tmp_path, monkeypatch):
    from rich.console import Console

    from kvarter.cli.report import _load_spells
    from kvarter.demo import synthesize
    from kvarter.disclosure import DisclosurePolicy
    from kvarter.jobs.monitor import monitor_publication
    from kvarter.store import Store

    data = synthesize(persons=3000, areas=16, schools=4, years=range(2021, 2025), seed=5)
    with Store(tmp_path / "k.duckdb") as store:
        store.load_many({k: data[k] for k in ("areas", "schools", "persons")})
    _load_spells(tmp_path / "k.duckdb", tmp_path, 0, Console(quiet=True))
    store = Store(tmp_path / "k.duckdb")
    args = dict(policy=DisclosurePolicy(min_count=5), permutations=30, bootstrap=30, seed=2)
    beside = monitor_publication(store, **args)
    monkeypatch.setattr(processes, "available_cores", lambda most=4: 1)
    in_line = monitor_publication(store, **args)
    store.close()
    got, want = _drawn_beside(beside), _drawn_beside(in_line)
    assert set(got) == set(want)
    assert {"areas_results", "effects_curve", "effects_cost"} <= set(got)
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name], check_exact=True, obj=name)
    assert beside.notes == in_line.notes and any("joining now vs waiting" in n for n in beside.notes)
    assert [p.key for p in beside.segregation] == [p.key for p in in_line.segregation]
