"""Several writers at once lose nothing: writer processes on one store file
(:func:`kvarter.registry.stress.concurrent_writers`, whose own checks are
repeated here from the store), a writer waiting for a process that holds the
file, and threads sharing one Store."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from kvarter.registry import Registry, StoreBusyError
from kvarter.registry.stress import concurrent_writers
from kvarter.store import Store

from .conftest import AREAS, initiative

SRC = str(Path(__file__).resolve().parents[2] / "src")


def test_writer_processes_lose_nothing(tmp_path):
    path = tmp_path / "shared.duckdb"
    with Store(path) as s:
        s.load_frame(AREAS, "areas")
    report = concurrent_writers(path, writers=4, adds=10, increments=20, edits=20)
    assert report.problems == []
    assert report.losses == 0
    assert (report.writers, report.writes) == (4, 200)
    with Store(path) as s:
        reg = Registry(s)
        # Every write is a row, once: 200 writes plus the shared initiative's first version.
        assert s.con.execute("select count(*), count(distinct change_id) from registry_versions").fetchone() == (201, 201)
        assert reg.history("stress-shared")["version"].tolist() == list(range(1, 82))
        assert reg.get("stress-shared").participants == 80
        assert len(reg.list()) == 41
    print("\nregistry concurrency: " + report.summary())


def test_a_writer_waits_for_a_process_holding_the_store(store_path):
    holder = textwrap.dedent("""
        import sys, time
        from kvarter.store import Store
        s = Store(sys.argv[1]); print("held", flush=True); time.sleep(float(sys.argv[2])); s.close()
    """)
    env = {**os.environ, "PYTHONPATH": SRC}
    p = subprocess.Popen([sys.executable, "-c", holder, str(store_path), "2.0"], stdout=subprocess.PIPE, text=True, env=env)
    assert p.stdout.readline().strip() == "held"
    t0 = time.perf_counter()
    with pytest.raises(StoreBusyError, match=r"is held by .*\(PID \d+\); waited 0.3 s.*kvarter serve"):
        Registry(store_path, timeout=0.3).add(initiative(), author="ana")
    assert Registry(store_path, timeout=30).add(initiative(), author="ana") == 1  # waits, then writes
    waited = time.perf_counter() - t0
    p.wait(timeout=30)
    assert waited > 1.0
    assert Registry(store_path).get("lektiecafe").name == "Lektiecafé"


def test_threads_sharing_one_store_lose_nothing(store):
    reg = Registry(store)
    reg.add(initiative(id="shared", participants=0), author="setup")
    errors = []

    def work(t: int):
        try:
            for k in range(15):
                reg.update("shared", {"description": f"thread {t} edit {k}"}, author=f"t{t}", reason=f"t{t}-{k}")
                reg.add(initiative(id=f"t{t}-{k}"), author=f"t{t}", reason=f"t{t}-add-{k}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    h = reg.history("shared")
    assert h["version"].tolist() == list(range(1, 62))
    assert sorted(h["reason"].tolist()[1:]) == sorted(f"t{t}-{k}" for t in range(4) for k in range(15))
    assert len(reg.list()) == 61
    assert reg.check() == []
