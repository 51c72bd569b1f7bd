"""Seeded synthetic person-years with every contract field, and the engines to run on."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

YEARS = list(range(2018, 2024))
AREAS = pd.DataFrame({
    "area_id": [f"A{i}" for i in range(1, 10)],
    "name": [f"Area {i}" for i in range(1, 10)],
    "municipality": ["101", "101", "101", "147", "147", "147", "461", "461", "461"],
    "region": ["Hovedstaden"] * 6 + ["Syddanmark"] * 3,
    "kind": ["housing_area"] * 9,
})


def synthetic_persons(n_households: int = 450, seed: int = 7) -> pd.DataFrame:
    """About 1,000 persons over six years (≈5,500 person-years) in nine areas.

    Households keep their members, area (with some moves), type, tenure and
    dwelling; about 4 % of person-years are dropped (gaps for the 3-year
    income) and some fields are missing, to exercise missing-value rules.
    """
    rng = np.random.default_rng(seed)
    rows = []
    pid = 0
    area_ids = AREAS["area_id"].to_numpy()
    area_mun = dict(zip(AREAS["area_id"], AREAS["municipality"]))
    for h in range(n_households):
        size = int(rng.integers(1, 6))
        kind = ("single_no_children" if size == 1 else
                rng.choice(["single_with_children", "couple_no_children", "couple_with_children", "other"]))
        adults = 1 if kind.startswith("single") else min(size, 2)
        ages0 = [int(rng.integers(20, 80)) for _ in range(adults)] + [int(rng.integers(0, 18)) for _ in range(size - adults)]
        members = []
        for age in ages0:
            members.append({
                "person_id": f"p{pid:05d}", "age0": age,
                "origin": rng.choice(["native", "western", "non_western"], p=[0.6, 0.1, 0.3]),
                "sex": rng.choice(["m", "f"]),
                "education": (None if age < 16 or rng.random() < 0.05 else
                              rng.choice(["basic", "upper_secondary", "vocational", "short_tertiary",
                                          "medium_tertiary", "long_tertiary"], p=[0.3, 0.15, 0.2, 0.1, 0.15, 0.1])),
            })
            pid += 1
        area = rng.choice(area_ids)
        base_income = float(rng.lognormal(12.6, 0.5))
        tenure = rng.choice(["owner", "cooperative", "social_rent", "municipal_rent", "private_rent", None],
                            p=[0.3, 0.1, 0.3, 0.1, 0.15, 0.05])
        rooms = int(rng.integers(1, 6))
        m2 = float(rng.integers(25, 160))
        for year in YEARS:
            if rng.random() < 0.08:
                area = rng.choice(area_ids)
            hdi = None if rng.random() < 0.04 else round(base_income * float(rng.lognormal(0, 0.25)), 0)
            present = [m for m in members if rng.random() > 0.04]
            for m in present:
                age = m["age0"] + (year - YEARS[0])
                status = ("child" if age < 16 else "retired" if age >= 67 else
                          rng.choice(["employed", "unemployed", "outside_labour_force", "in_education", None],
                                     p=[0.55, 0.1, 0.15, 0.15, 0.05]))
                in_edu = bool(status == "in_education" or (age < 16) or rng.random() < 0.03)
                charges = int(rng.poisson(0.08)) if age >= 15 else 0
                rows.append({
                    "person_id": m["person_id"], "year": year, "municipality": area_mun[area], "area_id": area,
                    "age": age, "sex": m["sex"], "origin": m["origin"],
                    "generation": "none" if m["origin"] == "native" else rng.choice(["immigrant", "descendant"]),
                    "household_id": f"h{h:04d}", "household_type": kind, "household_size": len(present),
                    "education": m["education"], "in_education": in_edu, "labour_status": status,
                    "income_gross": None if rng.random() < 0.03 else round(float(rng.lognormal(12.3, 0.6)), 0),
                    "household_disposable_income": hdi,
                    "convicted": bool(age >= 15 and rng.random() < 0.03),
                    "charged": bool(charges > 0), "charges": charges,
                    "chronic_condition": bool(rng.random() < 0.2 + age / 400),
                    "school_id": None, "in_youth_education": bool(age >= 16 and rng.random() < 0.75),
                    "parents_education": None, "tenure": tenure, "rooms": rooms, "dwelling_m2": m2,
                })
    df = pd.DataFrame(rows)
    df["household_size"] = df.groupby(["household_id", "year"])["person_id"].transform("size").astype("int64")
    # Benefit status and deaths (persons contract v2), from their own generator so the rest stays as it was.
    extra = np.random.default_rng(seed + 1)
    benefits = ["none", "unemployment_benefit", "cash_benefit", "education_benefit", "integration_benefit",
                "sickness_benefit", "resource_course", "flexjob", "disability_pension", "state_pension", None]
    df["public_benefit"] = extra.choice(np.array(benefits, dtype=object), size=len(df),
                                        p=[0.6, 0.06, 0.06, 0.03, 0.02, 0.03, 0.02, 0.03, 0.05, 0.06, 0.04])
    on_cash = df["public_benefit"].isin(["cash_benefit", "education_benefit", "integration_benefit"])
    df["activity_ready"] = on_cash & (extra.random(len(df)) < 0.6)
    df["died"] = extra.random(len(df)) < 0.01
    for col in ("education", "labour_status", "tenure", "school_id", "parents_education", "public_benefit"):
        df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


@pytest.fixture(scope="session")
def persons() -> pd.DataFrame:
    return synthetic_persons()


@pytest.fixture(scope="session")
def areas() -> pd.DataFrame:
    return AREAS.copy()


def spark_available() -> str | None:
    """Why Spark cannot run here, or None when it can.

    CI (``.ci/run``) installs Java and sets ``KVARTER_TEST_REQUIRE_SPARK=1``:
    there a missing Java or PySpark fails the Spark suites instead of skipping them.
    """
    reason = None
    if shutil.which("java") is None:
        reason = "java is not installed"
    else:
        try:
            import pyspark  # noqa: F401
        except ImportError:
            reason = "pyspark is not installed"
    if reason and os.environ.get("KVARTER_TEST_REQUIRE_SPARK") == "1":
        pytest.fail(f"KVARTER_TEST_REQUIRE_SPARK=1 but {reason}", pytrace=False)
    return reason


@pytest.fixture(scope="session")
def spark_session():
    """One SparkSession for the whole test session (skips when Spark cannot run)."""
    reason = spark_available()
    if reason:
        pytest.skip(f"Spark engine not available: {reason}")
    from kvarter.store.engines import spark_session as make

    return make()


# --- a standalone Spark cluster on loopback -------------------------------------

#: Worker size: one core and 1 GiB each (an executor's default memory is 1 GiB),
#: so two workers fit a two-core machine beside the driver.
WORKER_CORES, WORKER_MEMORY = 1, "1g"
CLUSTER_TIMEOUT = 180  # seconds for the master and both workers to come up on a loaded machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """In the child before exec: receive SIGTERM when the parent (pytest) dies (Linux prctl)."""
    import ctypes

    try:
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: stop() still stops the cluster
        pass


def _spark_class() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-class"


def _master_state(ui_port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=2) as r:
            return json.loads(r.read().decode())
    except (OSError, ValueError):
        return None


class StandaloneCluster:
    """One master and two workers started from PySpark's own ``spark-class``,
    on free loopback ports, each its own process (``pids``) with its log in ``logs``."""

    def __init__(self, root: Path, workers: int = 2):
        self.root, self.n_workers = root, workers
        self.port, self.ui_port = free_port(), free_port()
        self.master = f"spark://127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen] = []
        self.env = {**os.environ, "SPARK_HOME": str(_spark_class().parents[1]), "SPARK_LOCAL_IP": "127.0.0.1",
                    "SPARK_DAEMON_MEMORY": "256m", "SPARK_LOG_DIR": str(root / "logs"),
                    "SPARK_LOCAL_DIRS": str(root / "local"), "SPARK_NO_DAEMONIZE": "1"}

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def _start(self, name: str, *args: str) -> None:
        log = open(self.root / f"{name}.log", "wb")
        # spark-class ends in exec, so the process id is the JVM's; its own
        # process group lets stop() reach an executor the worker started, and
        # the parent-death signal stops it should pytest itself be killed.
        self.procs.append(subprocess.Popen([str(_spark_class()), *args], stdout=log, stderr=subprocess.STDOUT,
                                           env=self.env, cwd=self.root, start_new_session=True,
                                           preexec_fn=_die_with_parent))
        log.close()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n" + p.read_text(errors="replace")[-3000:] for p in sorted(self.root.glob("*.log")))

    def start(self) -> StandaloneCluster:
        self._start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                    "--port", str(self.port), "--webui-port", str(self.ui_port))
        for i in range(self.n_workers):
            work = self.root / f"worker{i}"
            work.mkdir()
            self._start(f"worker{i}", "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                        "--webui-port", str(free_port()), "--cores", str(WORKER_CORES), "--memory", WORKER_MEMORY,
                        "--work-dir", str(work), self.master)
        deadline = time.monotonic() + CLUSTER_TIMEOUT
        while time.monotonic() < deadline:
            dead = [p for p in self.procs if p.poll() is not None]
            if dead:
                raise RuntimeError(f"a cluster process exited with {dead[0].returncode}:\n{self.logs()}")
            state = _master_state(self.ui_port)
            if state and sum(w.get("state") == "ALIVE" for w in state.get("workers", [])) == self.n_workers:
                return self
            time.sleep(1)
        raise RuntimeError(f"the cluster did not come up in {CLUSTER_TIMEOUT} s:\n{self.logs()}")

    def alive_workers(self) -> int:
        state = _master_state(self.ui_port) or {}
        return sum(w.get("state") == "ALIVE" for w in state.get("workers", []))

    def stop(self) -> None:
        """Stop every process this cluster started, by its id (workers first), then wait for them."""
        for p in reversed(self.procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in reversed(self.procs):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory):
    """A standalone cluster (one master, two workers) on loopback for the session, stopped afterwards."""
    reason = spark_available()
    if reason:
        pytest.skip(f"Spark engine not available: {reason}")
    cluster = StandaloneCluster(tmp_path_factory.mktemp("spark-cluster"))
    try:
        yield cluster.start()
    finally:
        from kvarter.store.engines import stop_spark

        stop_spark()  # the driver leaves the cluster first, so the workers stop idle
        cluster.stop()
