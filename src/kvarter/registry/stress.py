"""Check that concurrent writers lose nothing on a store file (and measure how fast they go).

:func:`concurrent_writers` starts writer *processes* that share one store
file through :class:`~kvarter.registry.Registry` over its path. Each writer
adds its own initiatives, edits them blindly (last writer wins, every edit a
version), and increments a counter on one shared initiative with optimistic
concurrency (read, update with ``expected_version``, retry on a conflict) —
the classic lost-update test. Then it checks that every write is in the
store exactly once, that the counter equals the number of increments, that
every record's versions run 1..n, and that the log passes
:meth:`~kvarter.registry.Registry.check`. Run it on the file system a
store will live on: a network share whose file locks do not work fails here.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import kvarter
from kvarter.errors import InputError
from kvarter.validation import check_scalar

_WRITER = textwrap.dedent("""
    import json, random, sys, time
    from kvarter.registry import Registry, VersionConflictError

    path, w, adds, incs, edits, area, timeout = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
        int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], float(sys.argv[7]))
    reg = Registry(path, timeout=timeout)
    rng = random.Random(w)
    ops = ["add"] + rng.sample(["add"] * (adds - 1) + ["inc"] * incs + ["edit"] * edits, adds - 1 + incs + edits)
    print("ready", flush=True)
    sys.stdin.readline()
    t0 = time.perf_counter()
    targets, added, conflicts, n = [], [], 0, {"add": 0, "inc": 0, "edit": 0}
    for op in ops:
        k = n[op]; n[op] += 1
        if op == "add":
            rid = f"w{w}-i{k}"
            reg.add({"id": rid, "name": f"Initiative {k} of writer {w}", "areas": [area],
                     "start": "2024-01-01", "status": "running"}, author=f"writer-{w}", reason=f"w{w}-add-{k}")
            added.append(rid)
        elif op == "edit":
            rid = rng.choice(added)
            reg.update(rid, {"description": f"edit {k} by writer {w}"}, author=f"writer-{w}", reason=f"w{w}-edit-{k}")
            targets.append(rid)
        else:
            while True:
                cur = reg.get_version("stress-shared")
                try:
                    reg.update("stress-shared", {"participants": cur.record.participants + 1}, author=f"writer-{w}",
                               reason=f"w{w}-inc-{k}", expected_version=cur.version)
                    break
                except VersionConflictError:
                    conflicts += 1
    print(json.dumps({"writer": w, "seconds": time.perf_counter() - t0, "conflicts": conflicts, "targets": targets}))
""")


@dataclass(frozen=True)
class ConcurrencyReport:
    """Figures of a concurrent-writer run and what was lost (``losses`` must be 0)."""

    writers: int
    writes: int
    adds: int
    edits: int
    increments: int
    seconds: float
    conflicts: int
    losses: int
    problems: list[str] = field(default_factory=list)

    @property
    def writes_per_second(self) -> float:
        """Writes over the wall time from the common start to the last writer's end."""
        return self.writes / self.seconds if self.seconds > 0 else float("nan")

    def summary(self) -> str:
        """One line with the figures."""
        return (f"{self.writers} writer processes, {self.writes} writes ({self.adds} adds, {self.edits} blind edits, "
                f"{self.increments} optimistic increments), {self.seconds:.1f} s, {self.writes_per_second:.1f} writes/s, "
                f"{self.conflicts} version conflicts retried, losses = {self.losses}")


def concurrent_writers(path: str | Path, writers: int = 4, adds: int = 10, increments: int = 20, edits: int = 20, *,
                       area: str | None = None, timeout: float = 120.0) -> ConcurrencyReport:
    """Run ``writers`` processes writing ``adds + increments + edits`` times each to the store at ``path``.

    ``path`` is a store file that holds an areas table (``area`` is the area the
    writers' initiatives run in, by default the first one) and no records from
    an earlier run; the run adds a shared initiative ``stress-shared`` and the
    writers' ``w<i>-i<k>``. Returns the figures and ``losses``: writes missing
    or stored more than once, plus the counter's shortfall.

    >>> import tempfile, os, pandas as pd
    >>> from kvarter.store import Store
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "s.duckdb")
    ...     with Store(p) as s:
    ...         _ = s.load_frame(pd.DataFrame({"area_id": ["A1"], "name": ["A"], "municipality": ["M"],
    ...                                        "region": ["R"], "kind": ["housing_area"]}), "areas")
    ...     report = concurrent_writers(p, writers=2, adds=1, increments=2, edits=1)
    >>> report.writes, report.losses, report.problems
    (8, 0, [])
    """
    from kvarter.registry.registry import Registry
    from kvarter.store import Store

    check_scalar(writers, "writers", "concurrent_writers", kind=int, min_value=1)
    check_scalar(adds, "adds", "concurrent_writers", kind=int, min_value=1)
    for name, value in (("increments", increments), ("edits", edits)):
        check_scalar(value, name, "concurrent_writers", kind=int, min_value=0)
    path = Path(path)
    with Store(path) as s:
        reg = Registry(s)
        areas = sorted(reg._tables.column("areas", "area_id") or [])
        if not areas:
            raise InputError(f"concurrent_writers needs a store with an areas table; {path} has none.")
        area = area or areas[0]
        if reg._tables.latest("initiative", ids=["stress-shared"]):
            raise InputError(f"{path} already holds a stress run (initiative 'stress-shared'); use a new store.")
        reg.add({"id": "stress-shared", "name": "Shared counter", "areas": [area], "start": "2024-01-01",
                 "status": "running", "participants": 0}, author="stress", reason="stress setup")

    src = str(Path(kvarter.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    procs = [subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), str(w), str(adds), str(increments), str(edits), area, str(timeout)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for w in range(writers)]
    try:
        for p in procs:
            line = p.stdout.readline().strip()
            if line != "ready":
                raise RuntimeError(f"a writer failed to start: {line} {p.stderr.read()}")
        t0 = time.perf_counter()
        for p in procs:  # every writer starts at once
            p.stdin.write("go\n")
            p.stdin.flush()
        outs = []
        for p in procs:
            out, err = p.communicate(timeout=timeout * (adds + increments + edits))
            if p.returncode != 0:
                raise RuntimeError(f"writer failed (exit {p.returncode}): {err}")
            outs.append(json.loads(out.strip().splitlines()[-1]))
        seconds = time.perf_counter() - t0
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()

    expected = {f"w{w}-{op}-{k}" for w in range(writers)
                for op, n in (("add", adds), ("inc", increments), ("edit", edits)) for k in range(n)}
    with Store(path) as s:
        reg = Registry(s)
        rows = [r for r in reg._tables.all_versions() if r.record_id == "stress-shared" or r.record_id.startswith("w")]
        reasons = collections.Counter(r.reason for r in rows if r.reason != "stress setup")
        problems = reg.check()
        missing = expected - set(reasons)
        twice = sum(n - 1 for n in reasons.values() if n > 1)
        unknown = set(reasons) - expected
        shortfall = writers * increments - (reg.get("stress-shared").participants or 0)
        for o in outs:
            per = collections.Counter(o["targets"])
            for k in range(adds):
                rid = f"w{o['writer']}-i{k}"
                have = len(reg._tables.versions("initiative", rid))
                if have != 1 + per[rid]:
                    problems.append(f"{rid} has {have} versions, expected {1 + per[rid]}")
    if missing:
        problems.append(f"{len(missing)} writes missing, e.g. {sorted(missing)[:3]}")
    if twice:
        problems.append(f"{twice} writes stored more than once")
    if unknown:
        problems.append(f"{len(unknown)} unexpected writes, e.g. {sorted(unknown)[:3]}")
    if shortfall:
        problems.append(f"the shared counter is {shortfall} short of {writers * increments}: lost updates")
    return ConcurrencyReport(
        writers=writers, writes=writers * (adds + increments + edits), adds=writers * adds, edits=writers * edits,
        increments=writers * increments, seconds=seconds, conflicts=sum(o["conflicts"] for o in outs),
        losses=len(missing) + twice + abs(shortfall), problems=problems,
    )
