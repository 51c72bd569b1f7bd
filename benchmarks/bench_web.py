"""The web app under load, on loopback, bounded; against Datasette in the same run.

kvarter: a real ``kvarter serve`` (started as a subprocess on a free
127.0.0.1 port over a *copy* of the store, waited for until its publication
is built) takes ``--clients`` concurrent clients (threads, one keep-alive
HTTP/1.1 connection each) making ``--requests`` requests in all per phase:

- area pages (HTML) ``/areas/{id}``, every area in turn;
- area JSON twins ``/areas/{id}.json``;
- the other JSON endpoints (map, municipalities, screening, segregation,
  benchmarks, effects, housing, registry).

Before the phases every URL is fetched once (the app builds a page on first
request and keeps it): those first requests are reported apart, as "cold".
Each phase prints p50/p95/p99 latency and requests/s; every answer must be
200.

Registry writes: the same clients add ``--writes`` initiatives in all
through ``POST /registry`` (JSON, ``Authorization: Bearer``), retrying a 503
(the store busy) after its Retry-After, and make ``--edits`` optimistic edits
of one shared initiative (``expected_version``; a 409 means re-read and try
again). Losing nothing means: every initiative acknowledged (201) is listed
by ``/registry.json`` and is in the store after the server stopped, nothing
refused is, and the shared initiative's last version is 1 + the edits
acknowledged.

Baseline: Datasette 0.65.5 (``python -m datasette serve -i``) over the
store's ``indicators`` table exported to SQLite (with an index on
``unit_id``), one JSON endpoint — the rows of one area,
``/kv/indicators.json?unit_id=ID&_shape=array&_size=max`` — against
kvarter's ``/areas/{id}.json``, same clients, same requests, same run; the
ratio is printed. kvarter's twin does more (it is the published,
disclosure-controlled profile); Datasette's is raw rows.

The store: ``--store PATH``, else ``$KVARTER_WEB_STORE``, else the demo store
``kvarter.duckdb`` (``make demo``). Options: ``--clients N`` (8),
``--requests N`` (400), ``--writes N`` (64), ``--edits N`` (32),
``--ready-timeout S`` (1800), ``--no-datasette``.
The goal (issue 11): p95 under 100 ms for area pages with 8 clients.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import re
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_P95_MS = 100.0
DATASETTE_DB = "kv"
ACCEPT_JSON = {"Accept": "application/json"}
ACCEPT_HTML = {"Accept": "text/html"}


def _server_module():
    name = "kvarter_tests_web_server"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "web" / "server.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by the nearest-rank method: the smallest value with at least
    q % of the values at or below it.

    >>> percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50), percentile([5.0, 1.0, 3.0, 2.0, 4.0], 95)
    (3.0, 5.0)
    >>> percentile(list(map(float, range(1, 101))), 99)
    99.0
    """
    if not values:
        return float("nan")
    xs = sorted(values)
    rank = max(1, -(-len(xs) * q // 100))  # ceil(n q / 100)
    return xs[int(rank) - 1]


@dataclass
class Phase:
    """The outcome of one phase: latencies (s) of the answered requests, status counts, wall time."""

    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    def ms(self, q: float) -> float:
        return 1000 * percentile(self.latencies, q)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else float("nan")

    def line(self) -> str:
        bad = {k: v for k, v in self.statuses.items() if k != 200}
        return (f"{self.name:<34} n={len(self.latencies):>5}  p50 {self.ms(50):7.1f} ms  p95 {self.ms(95):7.1f} ms  "
                f"p99 {self.ms(99):7.1f} ms  {self.rate:7.1f} req/s"
                + (f"  NOT 200: {bad}" if bad else "") + (f"  errors: {len(self.errors)}" if self.errors else ""))


class Client:
    """One keep-alive HTTP/1.1 connection to ``host:port`` (reconnects when the server closes it)."""

    def __init__(self, host: str, port: int, headers: dict | None = None):
        self.host, self.port, self.headers = host, port, dict(headers or {})
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                timeout: float = 120.0) -> tuple[int, bytes, dict]:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            try:
                self.conn.request(method, path, body=body, headers={**self.headers, **(headers or {})})
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.getheader("connection", "").lower() == "close":
                    self.close()
                return resp.status, data, dict(resp.getheaders())
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def run_phase(name: str, host: str, port: int, paths: list[str], clients: int, requests: int,
              headers: dict | None = None) -> Phase:
    """``requests`` GETs in all, round-robin over ``paths``, shared among ``clients`` threads."""
    phase = Phase(name)
    lock = threading.Lock()
    counter = iter(range(requests))
    start = threading.Barrier(clients + 1)

    def work():
        c = Client(host, port, headers)
        start.wait()
        while True:
            with lock:
                k = next(counter, None)
            if k is None:
                break
            path = paths[k % len(paths)]
            t0 = time.perf_counter()
            try:
                status, _, _ = c.request("GET", path, headers=ACCEPT_JSON if ".json" in path else ACCEPT_HTML)
            except OSError as exc:
                with lock:
                    phase.errors.append(f"{path}: {exc}")
                continue
            dt = time.perf_counter() - t0
            with lock:
                phase.latencies.append(dt)
                phase.statuses[status] = phase.statuses.get(status, 0) + 1
        c.close()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    phase.seconds = time.perf_counter() - t0
    return phase


# ---------------------------------------------------------------------------- what to request

def discover(server) -> dict[str, list[str]]:
    """The URLs of each phase, read from the running app: area ids and municipalities from the map's twin,
    the screening pages from the navigation."""
    c = Client("127.0.0.1", server.port)
    status, body, _ = c.request("GET", "/.json")
    assert status == 200, f"/.json answered {status}: {body[:300]!r}"
    rows = json.loads(body)["areas"]
    areas = sorted({r["area_id"] for r in rows if r.get("area_id")})
    munis = sorted({r["municipality"] for r in rows if r.get("municipality")})
    status, html, _ = c.request("GET", "/")
    screening = sorted(set(re.findall(r'href="(/screening/[^"?]+)', html.decode())))
    c.close()
    quote = urllib.parse.quote
    others = (["/.json", "/registry.json", "/segregation.json", "/benchmarks.json", "/effects.json",
               "/housing.json"] + [f"{s}.json" for s in screening] + [f"/municipalities/{quote(m)}.json" for m in munis])
    return {"areas": areas, "area pages (HTML)": [f"/areas/{quote(a)}" for a in areas],
            "area twins (JSON)": [f"/areas/{quote(a)}.json" for a in areas], "other endpoints (JSON)": others}


# ---------------------------------------------------------------------------- registry writes

@dataclass
class Writes:
    sent: int = 0
    acknowledged: list[str] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)
    retries: int = 0
    edits_acknowledged: int = 0
    conflicts: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def initiative(iid: str, area: str) -> dict:
    return {"id": iid, "name": f"Load test {iid}", "areas": [area], "target_groups": ["children"],
            "start": "2024-01-01", "status": "running", "author": "bench", "reason": "bench_web"}


def post_json(c: Client, path: str, body: dict, w: Writes, lock, tries: int = 20) -> tuple[int, dict]:
    data = json.dumps(body).encode()
    for _ in range(tries):
        t0 = time.perf_counter()
        status, resp, headers = c.request("POST", path, body=data, headers={"Content-Type": "application/json"})
        with lock:
            w.latencies.append(time.perf_counter() - t0)
        if status != 503:
            return status, json.loads(resp or b"{}")
        with lock:
            w.retries += 1
        time.sleep(float(headers.get("retry-after", headers.get("Retry-After", "1")) or 1) / 4)
    return status, json.loads(resp or b"{}")


def registry_writes(server, areas: list[str], clients: int, writes: int, edits: int) -> Writes:
    w = Writes()
    lock = threading.Lock()
    auth = {"Authorization": f"Bearer {server.token}", "Accept": "application/json"}
    shared = "bench-shared"
    setup = Client("127.0.0.1", server.port, auth)
    status, body = post_json(setup, "/registry", initiative(shared, areas[0]), w, lock)
    assert status == 201, f"adding {shared} answered {status}: {body}"
    setup.close()
    w.latencies.clear()
    w.retries = 0
    adds = iter(range(writes))
    edit_budget = iter(range(edits))
    start = threading.Barrier(clients + 1)

    def work(n: int):
        start.wait()
        try:
            write(n)
        except Exception as exc:  # noqa: BLE001 - reported and failing the run below
            with lock:
                w.errors.append(f"client {n}: {type(exc).__name__}: {exc}")

    def write(n: int):
        c = Client("127.0.0.1", server.port, auth)
        while True:
            with lock:
                k = next(adds, None)
            if k is None:
                break
            iid = f"bench-c{n}-{k}"
            with lock:
                w.sent += 1
            status, body = post_json(c, "/registry", initiative(iid, areas[k % len(areas)]), w, lock)
            with lock:
                (w.acknowledged.append(iid) if status == 201 else w.refused.append((iid, status)))
        while True:
            with lock:
                k = next(edit_budget, None)
            if k is None:
                break
            for _ in range(50):  # optimistic: read the version, edit on it, re-read on a conflict
                status, body, headers = c.request("GET", f"/registry/{shared}.json", headers=ACCEPT_JSON)
                if status == 503:  # the store busy with another write: wait as told
                    with lock:
                        w.retries += 1
                    time.sleep(float(headers.get("retry-after", headers.get("Retry-After", "1")) or 1) / 4)
                    continue
                if status != 200:
                    raise AssertionError(f"reading {shared} answered {status}: {body[:300]!r}")
                version = json.loads(body)["version"]
                change = {"changes": {"name": f"Shared, edit {n}-{k}"}, "expected_version": version,
                          "author": f"client{n}", "reason": "bench_web edit"}
                status, answer = post_json(c, f"/registry/{shared}", change, w, lock)
                if status == 200:
                    with lock:
                        w.edits_acknowledged += 1
                    break
                if status != 409:
                    raise AssertionError(f"edit of {shared} answered {status}: {str(answer)[:300]}")
                with lock:
                    w.conflicts += 1
        c.close()

    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    w.seconds = time.perf_counter() - t0
    return w


def stored_registry(store: Path) -> tuple[set[str], int]:
    """The initiative ids in the store and the shared initiative's last version (read after the server stopped)."""
    from kvarter.registry import Registry

    reg = Registry(store)
    ids = {i.id for i in reg.initiatives()}
    history = reg.history("bench-shared")
    return ids, int(history["version"].max())


# ---------------------------------------------------------------------------- Datasette

def export_indicators(store: Path, target: Path) -> int:
    """The store's ``indicators`` table into SQLite ``target`` (table ``indicators``, indexed on unit_id)."""
    from kvarter.store import Store

    with Store(store) as st:
        if not st.has_table("indicators"):
            raise SystemExit(f"{store} has no indicators table to give Datasette: run `kvarter indicators` "
                             "on it first (the demo store has one), or pass --no-datasette.")
        frame = st.read("indicators")
    with sqlite3.connect(target) as con:
        frame.to_sql("indicators", con, index=False)
        con.execute("create index indicators_unit on indicators(unit_id)")
    return len(frame)


def start_datasette(db: Path, log: Path):
    srv = _server_module()
    port = srv.find_free_port()
    cmd = [sys.executable, "-m", "datasette", "serve", "-i", str(db), "--host", "127.0.0.1", "--port", str(port),
           "--setting", "max_returned_rows", "5000", "--setting", "sql_time_limit_ms", "10000"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                preexec_fn=srv._die_with_parent)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 120:
        if proc.poll() is not None:
            raise RuntimeError(f"datasette exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            status, _, _ = Client("127.0.0.1", port).request("GET", "/-/versions.json", timeout=5)
            if status == 200:
                return proc, port
        except OSError:
            pass
        time.sleep(0.25)
    srv.stop(proc)
    raise RuntimeError(f"datasette did not answer in 120 s:\n{log.read_text(errors='replace')}")


# ---------------------------------------------------------------------------- main

def _cold(server, urls: list[str]) -> Phase:
    """Every URL once, one client: the first request of each page (built, then kept)."""
    return run_phase("first request of each page (cold)", "127.0.0.1", server.port, urls, 1, len(urls))


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="bench web")
    ap.add_argument("--store", type=Path, default=None)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--writes", type=int, default=64)
    ap.add_argument("--edits", type=int, default=32)
    ap.add_argument("--ready-timeout", type=float, default=1800.0)
    ap.add_argument("--no-datasette", action="store_true")
    args = ap.parse_args(argv)
    srv = _server_module()

    source = args.store or srv.store_source()
    if source is None or not Path(source).is_file():
        raise SystemExit(f"no store to serve: give --store, set KVARTER_WEB_STORE, or run `make demo` "
                         f"(it writes {srv.DEMO_STORE}).")
    with srv.temporary_folder("kvarter-bench-web-") as folder:
        store = srv.copy_store(Path(source), folder / "store")
        print(f"store: a copy of {source} ({Path(source).stat().st_size / 1e6:.1f} MB)", flush=True)
        db = folder / f"{DATASETTE_DB}.db"
        # Exported before the server opens the store (one process at a time on a DuckDB file).
        exported = None if args.no_datasette else export_indicators(store, db)
        with srv.running_server(store, timeout=args.ready_timeout) as server:
            print(f"kvarter serve on {server.url}: publication built in {server.ready_seconds:.1f} s", flush=True)
            urls = discover(server)
            areas = urls.pop("areas")
            print(f"{len(areas)} areas, {len(urls['other endpoints (JSON)'])} other JSON endpoints; "
                  f"{args.clients} clients, {args.requests} requests per phase", flush=True)
            cold = _cold(server, [u for us in urls.values() for u in us])
            print(cold.line(), flush=True)
            phases = [run_phase(name, "127.0.0.1", server.port, paths, args.clients, args.requests)
                      for name, paths in urls.items()]
            for p in phases:
                print(p.line(), flush=True)

            datasette = None
            if not args.no_datasette:
                n = exported
                proc, dport = start_datasette(db, folder / "datasette.log")
                try:
                    ds_paths = [f"/{DATASETTE_DB}/indicators.json?unit_id={urllib.parse.quote(a)}&_shape=array&_size=max"
                                for a in areas]
                    status, body, _ = Client("127.0.0.1", dport).request("GET", ds_paths[0])
                    assert status == 200 and isinstance(json.loads(body), list), (status, body[:300])
                    run_phase("datasette warm-up", "127.0.0.1", dport, ds_paths, 1, len(ds_paths))
                    # Side by side: the same endpoint kind, clients and requests, back to back.
                    kv = run_phase("kvarter /areas/{id}.json", "127.0.0.1", server.port,
                                   urls["area twins (JSON)"], args.clients, args.requests)
                    datasette = run_phase("datasette indicators?unit_id=", "127.0.0.1", dport, ds_paths,
                                          args.clients, args.requests)
                finally:
                    srv.stop(proc)
                print(f"\nDatasette 0.65.5 over the indicators table exported to SQLite ({n:,} rows):")
                print(kv.line())
                print(datasette.line())
                print(f"ratio kvarter / datasette: p50 {kv.ms(50) / datasette.ms(50):.2f}, "
                      f"p95 {kv.ms(95) / datasette.ms(95):.2f}, "
                      f"throughput {kv.rate / datasette.rate:.2f}", flush=True)

            w = registry_writes(server, areas, args.clients, args.writes, args.edits)
            status, body, _ = Client("127.0.0.1", server.port).request("GET", "/registry.json")
            listed = set(json.loads(body)["initiatives"])
        # the server has stopped: read the store itself
        stored, shared_version = stored_registry(store)

    acked, refused = set(w.acknowledged), {i for i, _ in w.refused}
    lost_listed, lost_stored = sorted(acked - listed), sorted(acked - stored)
    phantom = sorted(refused & stored)
    print(f"\nregistry writes: {w.sent} adds sent by {args.clients} clients in {w.seconds:.1f} s "
          f"({(w.sent + w.edits_acknowledged) / w.seconds:.1f} writes/s incl. edits); "
          f"p50 {1000 * percentile(w.latencies, 50):.1f} ms, p95 {1000 * percentile(w.latencies, 95):.1f} ms; "
          f"{len(acked)} acknowledged, {len(refused)} refused {sorted({s for _, s in w.refused})}, "
          f"{w.retries} retried after 503")
    print(f"  listed by /registry.json: {len(acked & listed)} of {len(acked)}; in the store after stop: "
          f"{len(acked & stored)} of {len(acked)}; refused but stored: {len(phantom)}")
    print(f"  edits of one initiative: {w.edits_acknowledged} acknowledged, {w.conflicts} version conflicts "
          f"(409, retried); its last version {shared_version} (expected {1 + w.edits_acknowledged})")
    area_html = next(p for p in phases if p.name.startswith("area pages"))
    verdict = "met" if area_html.ms(95) < GOAL_P95_MS else "NOT met"
    print(f"\ngoal p95 < {GOAL_P95_MS:.0f} ms for area pages with {args.clients} clients: {verdict} "
          f"(p95 {area_html.ms(95):.1f} ms)")
    problems = []
    if lost_listed or lost_stored:
        problems.append(f"LOST: not listed {lost_listed[:5]}, not stored {lost_stored[:5]}")
    if phantom:
        problems.append(f"refused but stored: {phantom[:5]}")
    if w.errors:
        problems.append(f"write clients failed: {w.errors[:3]}")
    if shared_version != 1 + w.edits_acknowledged:
        problems.append(f"lost edits: version {shared_version}, expected {1 + w.edits_acknowledged}")
    if any(p.statuses.keys() - {200} or p.errors for p in [cold, *phases]):
        problems.append("some requests did not answer 200 (see above)")
    if problems:
        raise SystemExit("; ".join(problems))
