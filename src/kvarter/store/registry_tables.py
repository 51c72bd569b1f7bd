"""The registry's tables in the store: an append-only version log, written by
processes that wait their turn for the file.

Every record of the initiative registry (an initiative, an experience, a
user's principle set) is a sequence of versions in one table,
``registry_versions``: ``(kind, record_id, version)`` is the primary key, each
row holds the complete record as JSON with who wrote it, when, why and a
``change_id`` that is unique over the whole table. Rows are only ever
inserted; an update or a withdrawal is a new version, so the history loses
nothing and a query "as of" a time reads the latest version recorded at or
before it.

Concurrency. DuckDB lets one process hold a database file at a time (the
web app and a command cannot both keep it open). :class:`RegistryTables` over
a *path* therefore opens the file for each read or write and closes it at
once; when another process holds the file it waits and retries with a growing,
jittered pause until ``timeout`` seconds have passed, then raises
:class:`StoreBusyError` naming the holder. Within one process (a :class:`Store`
shared by threads) writers are serialised by DuckDB's optimistic transactions:
two writers making version *n + 1* of the same record collide on the primary
key, the loser rolls back and recomputes its change on top of the winner's.
A write is identified by its ``change_id``: a retry whose first attempt did
commit finds it and returns that version instead of writing it twice.

The layout is versioned in ``kvarter_meta`` (``registry_schema_version``),
like the rest of the store; a store written by a newer layout is refused.
"""

from __future__ import annotations

import json
import random
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator, Sequence

import duckdb

from kvarter.errors import KvarterError
from kvarter.store.store import META_TABLE, SCHEMA_VERSION, Store, StoreError, kvarter_version

#: Version of the registry's layout in the store; bump it (and migrate) when the table changes.
REGISTRY_SCHEMA_VERSION = 1
VERSIONS_TABLE = "registry_versions"
#: Record kinds the version log holds.
KINDS = ("initiative", "experience", "principle_set")
#: Seconds a writer waits for another process to release the file, by default.
DEFAULT_TIMEOUT = 30.0

_DDL = f"""create table if not exists {VERSIONS_TABLE} (
    kind varchar not null,
    record_id varchar not null,
    version integer not null,
    action varchar not null,
    recorded_at timestamp not null,
    author varchar not null,
    reason varchar not null,
    change_id varchar not null unique,
    data varchar not null,
    primary key (kind, record_id, version))"""


class StoreBusyError(StoreError):
    """Another process held the store file for longer than the writer would wait."""


class VersionConflictError(KvarterError, RuntimeError):
    """A write expected a record at one version and found it at another."""


@dataclass(frozen=True)
class VersionRow:
    """One stored version of one record: the record as a dict and who, when, why."""

    kind: str
    record_id: str
    version: int
    action: str
    recorded_at: datetime
    author: str
    reason: str
    change_id: str
    data: dict


@dataclass(frozen=True)
class PendingWrite:
    """A write to make inside a transaction.

    ``apply`` receives the record's latest stored version (``None`` when it has
    none) and returns the new record as a dict (``None``: nothing to change, no
    new version), or raises to abort the whole transaction; it runs again on the newest version if the transaction has to
    be retried, so a change is always made on top of the latest state.
    ``expected`` is the version the writer saw (``None``: any).
    """

    kind: str
    record_id: str
    action: str
    author: str
    reason: str
    change_id: str
    apply: Callable[["VersionRow | None"], dict]
    expected: int | None = None


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc)
    # The second phrase is Windows' wording of the same refusal.
    return "Could not set lock" in text or "Conflicting lock" in text or "used by another process" in text


def _holder(exc: Exception) -> str:
    text = str(exc)
    start = text.find("Conflicting lock is held in ")
    if start < 0:
        return "another process"
    return text[start + len("Conflicting lock is held in "):].split(". See also")[0].strip()


def connect_waiting(path: str | Path, timeout: float = DEFAULT_TIMEOUT, *, sleep=time.sleep, clock=time.monotonic):
    """Open the DuckDB file at ``path``, waiting up to ``timeout`` seconds while another process holds it.

    Retries with a pause that grows from 5 ms to 50 ms, each jittered by up
    to half its length so waiting writers do not retry in lockstep. Raises
    :class:`StoreBusyError` naming the holding process when the time is up.

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     con = connect_waiting(os.path.join(d, "s.duckdb"), timeout=1)
    ...     con.execute("select 42").fetchone()[0]
    ...     con.close()
    42
    """
    deadline = clock() + max(0.0, float(timeout))
    pause = 0.005
    rng = random.Random()
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise StoreError(f"Cannot open the store {path}: {exc}") from None
            now = clock()
            if now >= deadline:
                raise StoreBusyError(
                    f"The store {path} is held by {_holder(exc)}; waited {timeout:g} s for it to be "
                    "released. DuckDB lets one process use a store file "
                    "at a time: close the other program (a `kvarter serve` on this store keeps it open), "
                    "make the change through it, or wait longer (--wait / timeout=)."
                ) from None
            sleep(min(pause * (1 + rng.random() / 2), max(0.0, deadline - now)))
            pause = min(pause * 2, 0.05)


def _ensure_schema(con) -> None:
    """Create the store's meta table (when the file is new) and the version table, in one transaction."""
    con.begin()
    try:
        con.execute(f"create table if not exists {META_TABLE} (key varchar primary key, value varchar)")
        have = dict(con.execute(f"select key, value from {META_TABLE}").fetchall())
        found = have.get("registry_schema_version")
        if found is not None and int(found) > REGISTRY_SCHEMA_VERSION:
            raise StoreError(
                f"The store's initiative registry has layout version {found}, but this kvarter "
                f"({kvarter_version()}) reads versions up to {REGISTRY_SCHEMA_VERSION}. Upgrade kvarter."
            )
        if "schema_version" not in have:
            # A file the registry opens first: set it up as Store would, so Store can open it later.
            con.execute(
                f"insert into {META_TABLE} values ('schema_version', ?), ('created_by', ?), ('created_at', ?)",
                [str(SCHEMA_VERSION), kvarter_version(), datetime.now(timezone.utc).isoformat()],
            )
        con.execute(_DDL)
        if found is None:
            con.execute(f"insert into {META_TABLE} values ('registry_schema_version', ?)",
                        [str(REGISTRY_SCHEMA_VERSION)])
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _row(values) -> VersionRow:
    kind, rid, version, action, at, author, reason, change_id, data = values
    return VersionRow(kind, rid, int(version), action, at, author, reason, change_id, json.loads(data))


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


_COLUMNS = "kind, record_id, version, action, recorded_at, author, reason, change_id, data"


class RegistryTables:
    """The version log of the initiative registry, over a :class:`Store` or a store file path.

    Over a path each call opens the file (waiting up to ``timeout`` seconds for
    another process to release it) and closes it again, so several processes
    can share the store; over a :class:`Store` the store's own connection is used.

    >>> t = RegistryTables(Store(":memory:"))
    >>> t.write([PendingWrite("initiative", "a", "add", "ana", "new", "c1", lambda cur: {"id": "a"})])
    [1]
    >>> t.write([PendingWrite("initiative", "a", "update", "bo", "fix", "c2", lambda cur: {**cur.data, "n": 2})])
    [2]
    >>> [(r.version, r.author, r.data) for r in t.versions("initiative", "a")]
    [(1, 'ana', {'id': 'a'}), (2, 'bo', {'id': 'a', 'n': 2})]
    """

    def __init__(self, store: Store | str | Path, *, timeout: float = DEFAULT_TIMEOUT):
        self.store = store
        self.timeout = timeout
        self._ready = False
        self._local = threading.local()  # a session's connection belongs to the thread that opened it
        if isinstance(store, Store):
            self.path = store.path
            if not store.read_only:
                _ensure_schema(store.con)
                self._ready = True
        else:
            self.path = str(store)

    # ------------------------------------------------------------- connections
    @contextmanager
    def session(self) -> Iterator[None]:
        """Hold one connection for several calls (over a path: the file stays open, and other
        processes wait, until the block ends)."""
        if getattr(self._local, "con", None) is not None:
            yield
            return
        with self._open() as con:
            self._local.con = con
            try:
                yield
            finally:
                self._local.con = None

    @contextmanager
    def _connection(self) -> Iterator:
        con = getattr(self._local, "con", None)
        if con is not None:
            yield con
            return
        with self._open() as con:
            yield con

    @contextmanager
    def _open(self) -> Iterator:
        if isinstance(self.store, Store):
            cur = self.store.con.cursor()
            try:
                yield cur
            finally:
                cur.close()
            return
        con = connect_waiting(self.path, self.timeout)
        try:
            if not self._ready:
                _ensure_schema(con)
                self._ready = True
            yield con
        finally:
            con.close()

    def _has_table(self, con, name: str) -> bool:
        if name == VERSIONS_TABLE and self._ready:
            return True
        # duckdb_tables()/duckdb_views() answer in about 1 ms; information_schema takes about 20.
        return bool(con.execute(
            "select count(*) from (select table_name from duckdb_tables() union all "
            "select view_name from duckdb_views()) where table_name = ?", [name]).fetchone()[0])

    # ------------------------------------------------------------- reading
    def latest(self, kind: str, *, as_of: datetime | None = None, ids: Sequence[str] | None = None) -> list[VersionRow]:
        """The latest version of every record of ``kind`` recorded at or before ``as_of`` (naive UTC)."""
        where, params = ["kind = ?"], [kind]
        if as_of is not None:
            where.append("recorded_at <= ?")
            params.append(as_of)
        if ids is not None:
            if not ids:
                return []
            where.append(f"record_id in ({', '.join('?' * len(ids))})")
            params += list(ids)
        with self._connection() as con:
            if not self._has_table(con, VERSIONS_TABLE):
                return []
            rows = con.execute(
                f"select {_COLUMNS} from {VERSIONS_TABLE} where {' and '.join(where)} "
                "qualify row_number() over (partition by kind, record_id order by version desc) = 1 "
                "order by record_id", params,
            ).fetchall()
        return [_row(r) for r in rows]

    def versions(self, kind: str, record_id: str) -> list[VersionRow]:
        """Every version of one record, oldest first."""
        with self._connection() as con:
            if not self._has_table(con, VERSIONS_TABLE):
                return []
            rows = con.execute(
                f"select {_COLUMNS} from {VERSIONS_TABLE} where kind = ? and record_id = ? order by version",
                [kind, record_id],
            ).fetchall()
        return [_row(r) for r in rows]

    def all_versions(self) -> list[VersionRow]:
        """Every stored version of every record (kind, record id, version order)."""
        with self._connection() as con:
            if not self._has_table(con, VERSIONS_TABLE):
                return []
            rows = con.execute(f"select {_COLUMNS} from {VERSIONS_TABLE} order by kind, record_id, version").fetchall()
        return [_row(r) for r in rows]

    def column(self, table: str, column: str) -> set[str] | None:
        """Distinct non-empty values of ``table.column`` in the store (e.g. ``areas.area_id``), or ``None`` without that table."""
        q = '"' + column.replace('"', '""') + '"'
        t = '"' + table.replace('"', '""') + '"'
        with self._connection() as con:
            try:
                values = con.execute(f"select distinct {q} from {t} where {q} is not null").fetchall()
            except (duckdb.CatalogException, duckdb.BinderException):
                return None
        return {str(v) for (v,) in values}

    def read_table(self, table: str):
        """A store table as a pandas DataFrame (``None`` when the store has no such table)."""
        with self._connection() as con:
            if not self._has_table(con, table):
                return None
            t = '"' + table.replace('"', '""') + '"'
            return con.execute(f"select * from {t}").df()

    def check(self) -> list[str]:
        """Problems in the version log (empty when consistent): versions not numbered 1..n,
        repeated change ids, a version recorded before its predecessor, data that is not a record.

        >>> RegistryTables(Store(":memory:")).check()
        []
        """
        problems = []
        last: dict[tuple[str, str], VersionRow] = {}
        seen: dict[str, tuple[str, str, int]] = {}
        for r in self.all_versions():
            key = (r.kind, r.record_id)
            prev = last.get(key)
            expected = 1 if prev is None else prev.version + 1
            if r.version != expected:
                problems.append(f"{r.kind} {r.record_id!r}: version {r.version} follows {expected - 1}")
            if prev is not None and r.recorded_at < prev.recorded_at:
                problems.append(f"{r.kind} {r.record_id!r}: version {r.version} recorded before version {prev.version}")
            if r.change_id in seen:
                problems.append(f"change {r.change_id} stored twice: {seen[r.change_id]} and {(r.kind, r.record_id, r.version)}")
            seen[r.change_id] = (r.kind, r.record_id, r.version)
            if not isinstance(r.data, dict) or r.data.get("id", r.record_id) != r.record_id:
                problems.append(f"{r.kind} {r.record_id!r} version {r.version}: data is not this record")
            last[key] = r
        return problems

    # ------------------------------------------------------------- writing
    def write(self, writes: Sequence[PendingWrite]) -> list[int]:
        """Make ``writes`` in one transaction, all or nothing; return each one's new version number.

        A write whose ``change_id`` is already stored is not made again; its
        stored version is returned. Transaction conflicts with other writers
        are retried until ``timeout``; an error raised by a write's ``apply``
        aborts the transaction and is passed on.
        """
        if isinstance(self.store, Store):
            self.store._check_writable()
        deadline = time.monotonic() + self.timeout
        pause = 0.002
        while True:
            with self._connection() as con:
                try:
                    return self._write_once(con, writes)
                except (duckdb.TransactionException, duckdb.ConstraintException) as exc:
                    if time.monotonic() >= deadline:
                        raise StoreBusyError(
                            f"Could not write to the registry in {self.path}: other writers kept changing the "
                            f"same records for {self.timeout:g} s (last conflict: {exc})."
                        ) from None
            time.sleep(pause * (1 + random.random()))
            pause = min(pause * 2, 0.1)

    def _write_once(self, con, writes: Sequence[PendingWrite]) -> list[int]:
        con.begin()
        try:
            out = []
            for w in writes:
                done = con.execute(f"select version from {VERSIONS_TABLE} where change_id = ?", [w.change_id]).fetchone()
                if done is not None:
                    out.append(int(done[0]))
                    continue
                cur = con.execute(
                    f"select {_COLUMNS} from {VERSIONS_TABLE} where kind = ? and record_id = ? "
                    "order by version desc limit 1", [w.kind, w.record_id],
                ).fetchone()
                current = None if cur is None else _row(cur)
                have = 0 if current is None else current.version
                if w.expected is not None and w.expected != have:
                    raise VersionConflictError(
                        f"{w.kind} {w.record_id!r} is at version {have}, not {w.expected} as the change "
                        f"by {w.author!r} expected: someone changed it meanwhile. Read it again and redo the change."
                    )
                data = w.apply(current)
                if data is None:  # nothing changed: no new version
                    out.append(have)
                    continue
                at = _now()
                if current is not None and at <= current.recorded_at:
                    # A clock that stepped back must not record a version before its predecessor.
                    at = current.recorded_at + timedelta(microseconds=1)
                con.execute(
                    f"insert into {VERSIONS_TABLE} ({_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [w.kind, w.record_id, have + 1, w.action, at, w.author, w.reason, w.change_id,
                     json.dumps(data, ensure_ascii=False, sort_keys=True)],
                )
                out.append(have + 1)
            con.commit()
            return out
        except BaseException:
            try:
                con.rollback()
            except duckdb.Error:
                pass  # a failed commit has already ended the transaction
            raise
