"""A real ``kvarter serve`` for the browser tests and the load benchmark.

:func:`running_server` starts ``python -m kvarter.cli.main serve`` as a
subprocess on a free loopback port against a store file, waits until
``/health.json`` answers 200 (the publication is built in the background;
pages answer 503 until then), yields a :class:`Server`, and terminates the
process afterwards — also when the body raises. If the process dies or does
not become ready in time, the error carries its output.

The store: :func:`store_source` picks the store to copy — ``$KVARTER_WEB_STORE``,
else the demo store ``kvarter.duckdb`` at the repository root (``make demo``);
:func:`small_store` builds a small synthetic Demoby instead (a few seconds),
which the browser tests use so that they do not depend on ``make demo``.
Either way the server runs on a *copy*: a store someone else uses is never
written to.

pytest runs with ``--import-mode=importlib``, so a test module cannot import
this file by name; ``tests/web/test_browser.py`` loads it by path (and
``benchmarks/bench_web.py`` likewise).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
#: The demo store ``make demo`` writes (settings' default store path).
DEMO_STORE = ROOT / "kvarter.duckdb"
#: Seconds to wait for the publication to be built; the demo store takes minutes on a busy machine.
READY_TIMEOUT = float(os.environ.get("KVARTER_WEB_READY_TIMEOUT", "600"))


@dataclass
class Server:
    """A running ``kvarter serve``: its base ``url`` (``http://127.0.0.1:PORT``),
    the write ``token``, the ``store`` it serves (a copy), the process and its log file."""

    url: str
    port: int
    token: str
    store: Path
    process: subprocess.Popen
    log: Path
    ready_seconds: float = 0.0
    #: the ids of the areas the map draws (filled in by the caller that knows the store)
    mapped: list = field(default_factory=list)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def output(self) -> str:
        """What the server printed so far (stdout and stderr together)."""
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


def find_free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now (the OS picks it).

    >>> 1024 <= find_free_port() <= 65535
    True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kvarter_src() -> Path:
    """The folder this process imports ``kvarter`` from (so the server runs the same code as the caller)."""
    import importlib.util

    spec = importlib.util.find_spec("kvarter")
    return Path(spec.origin).resolve().parents[1] if spec and spec.origin else SRC


def store_source() -> Path | None:
    """The store to copy for a demo-sized run: ``$KVARTER_WEB_STORE`` if set, else the repository's
    ``kvarter.duckdb`` if ``make demo`` made it, else None."""
    given = os.environ.get("KVARTER_WEB_STORE")
    if given:
        path = Path(given)
        if not path.is_file():
            raise FileNotFoundError(f"KVARTER_WEB_STORE={given}: no such store file.")
        return path
    return DEMO_STORE if DEMO_STORE.is_file() else None


def copy_store(source: Path, folder: Path) -> Path:
    """Copy a store file (and its WAL, if any) into ``folder``; return the copy's path."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "kvarter.duckdb"
    shutil.copyfile(source, target)
    wal = source.with_name(source.name + ".wal")
    if wal.is_file():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    return target


def small_store(folder: Path, *, persons: int = 50_000, areas: int = 40, schools: int = 16,
                years=range(2022, 2025), seed: int = 0) -> Path:
    """A small synthetic Demoby in ``folder/kvarter.duckdb``: areas with geometry, schools and persons
    loaded as ``kvarter demo`` loads them, and the example initiatives in the registry.

    Small in years (three), not in people or areas: the example initiatives name the demo's 40
    areas, and a thinner population makes more cells small, which makes the server's disclosure
    control (secondary suppression) slower, not faster — 3,000 persons in 16 areas took longer to
    protect than 50,000 in 40."""
    from kvarter.demo import synthesize, write_synthetic
    from kvarter.registry.examples import seed_examples
    from kvarter.store import Store

    folder.mkdir(parents=True, exist_ok=True)
    data = synthesize(persons=persons, areas=areas, schools=schools, years=years, seed=seed)
    paths = write_synthetic(data, folder / "files")
    path = folder / "kvarter.duckdb"
    with Store(path) as store:
        store.load_many({"areas": paths["areas_geojson"], "schools": paths["schools"], "persons": paths["persons"]},
                        replace=True)
    seed_examples(path)
    return path


def _get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_for_server(url: str, process: subprocess.Popen, log: Path, timeout: float = READY_TIMEOUT) -> float:
    """Poll ``url/health.json`` until it answers 200; return the seconds waited.

    Raises RuntimeError with the server's output if the process exits or ``timeout`` passes first.
    """
    t0 = time.monotonic()
    last = "no answer yet"
    while time.monotonic() - t0 < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"kvarter serve exited with code {process.returncode} before it was ready; "
                               f"its output:\n{log.read_text(errors='replace')}")
        try:
            status, body = _get(f"{url}/health.json")
        except (OSError, urllib.error.URLError) as exc:
            last = f"{type(exc).__name__}: {exc}"
        else:
            if status == 200:
                return time.monotonic() - t0
            last = f"HTTP {status}: {body[:200]!r}"
        time.sleep(0.25)
    raise RuntimeError(f"kvarter serve at {url} was not ready after {timeout:.0f} s (last: {last}); "
                       f"its output:\n{log.read_text(errors='replace')}")


def stop(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """Terminate the server (SIGTERM, then SIGKILL after ``timeout``) and reap it."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGTERM it when its parent dies (a killed test run
    must not leave a server behind); elsewhere nothing."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@contextmanager
def running_server(store: Path, *, token: str = "webtest-token-0123456789abcdef", workdir: Path | None = None,
                   extra_args: tuple[str, ...] = (), python: str = sys.executable,
                   timeout: float = READY_TIMEOUT) -> Iterator[Server]:
    """Start ``kvarter serve --store STORE --host 127.0.0.1 --port FREE --token TOKEN`` and yield a
    :class:`Server` once it is ready; terminate it on exit (also on failure).

    The subprocess imports kvarter from where this process does (:func:`kvarter_src`) and
    runs in ``workdir`` (default: the store's folder), so no ``kvarter.yaml`` of the caller's
    working directory changes its settings.
    """
    port = find_free_port()
    url = f"http://127.0.0.1:{port}"
    workdir = Path(workdir or store.parent)
    log = workdir / f"serve-{port}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KVARTER_")}
    env["PYTHONPATH"] = os.pathsep.join([str(kvarter_src()), *filter(None, [os.environ.get("PYTHONPATH")])])
    env["PYTHONUNBUFFERED"] = "1"
    cmd = [python, "-m", "kvarter.cli.main", "serve", "--store", str(store), "--host", "127.0.0.1",
           "--port", str(port), "--token", token, *extra_args]
    with open(log, "wb") as out:
        process = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
    try:
        waited = wait_for_server(url, process, log, timeout)
        yield Server(url=url, port=port, token=token, store=store, process=process, log=log, ready_seconds=waited)
    finally:
        stop(process)


@contextmanager
def temporary_folder(prefix: str = "kvarter-web-") -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def health(server: Server) -> dict:
    """The server's ``/health.json`` body."""
    status, body = _get(f"{server.url}/health.json")
    return json.loads(body)


def mapped_area_ids(store: Path) -> list[str]:
    """The ids of the store's areas that have a geometry (those the map draws), read before the server starts."""
    from kvarter.store import Store

    with Store(store) as st:
        areas = st.read("areas")
    return sorted(areas.loc[areas["geometry"].notna() & (areas["geometry"].astype(str) != ""), "area_id"].astype(str))
