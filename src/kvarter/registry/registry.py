"""The registry of initiatives: principles, initiatives with their evidence, experiences — kept in the store with a history that loses nothing.

Every write is a new version recorded with who, when and why; nothing is
overwritten or deleted. A withdrawn initiative keeps its history and stays
readable (``get``), but is left out of listings unless asked for and cannot be
changed. "As of" means as recorded: ``get(id, as_of=t)`` is the latest version
recorded at or before ``t`` (a date means the end of that day, UTC).

Over a store *path* every call opens the file and closes it again, waiting for
other processes that hold it (see :mod:`kvarter.store.registry_tables`), so
the web app and a command can both write.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import pandas as pd
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from kvarter.errors import Failure, InputError, InputErrors, Reason
from kvarter.registry.checks import Context, validate_record
from kvarter.registry.diff import diff_records
from kvarter.registry.exchange import read_items, write_file
from kvarter.registry.models import MODELS, Experience, Initiative, PrincipleSet
from kvarter.registry.principles import builtin_principle_sets
from kvarter.registry.targets import age_band, target_groups
from kvarter.store import Store
from kvarter.store.registry_tables import DEFAULT_TIMEOUT, PendingWrite, RegistryTables, VersionRow

#: Columns of :meth:`Registry.list`.
LIST_COLUMNS = [
    "id", "name", "status", "start", "end", "areas", "target_groups", "principles", "partners",
    "budget", "currency", "participants", "cost_per_participant", "outcome_indicators", "evidence",
    "best_scale", "best_level", "best_strength", "example", "withdrawn", "version", "recorded_at", "author",
]
HISTORY_COLUMNS = ["version", "action", "recorded_at", "author", "reason", "changed", "withdrawn"]


@dataclass(frozen=True)
class Versioned:
    """A record as stored at one version, with who wrote it, when and why."""

    record: Initiative | Experience | PrincipleSet
    version: int
    action: str
    recorded_at: dt.datetime
    author: str
    reason: str


@dataclass(frozen=True)
class ImportResult:
    """What an import did: one row per record (kind, id, row, action, version).

    ``action`` is ``added``, ``updated`` or ``unchanged`` (an identical record
    gets no new version).
    """

    source: str
    table: pd.DataFrame

    def count(self, action: str) -> int:
        """Records with ``action``."""
        return int((self.table["action"] == action).sum())

    @property
    def versions(self) -> dict[str, int]:
        """The version each imported initiative is now at, by id."""
        part = self.table[self.table["kind"] == "initiative"]
        return dict(zip(part["id"], part["version"].astype(int)))


def as_of_time(value) -> dt.datetime | None:
    """An "as of" argument as a naive UTC datetime: a date means the end of that day.

    >>> as_of_time("2025-03-01")
    datetime.datetime(2025, 3, 1, 23, 59, 59, 999999)
    >>> as_of_time(dt.datetime(2025, 3, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=1))))
    datetime.datetime(2025, 3, 1, 11, 0)
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
        except ValueError:
            raise InputError(f"as_of must be a date (2025-03-01) or a date and time; got {value!r}.") from None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time.max)
    raise InputError(f"as_of must be a date or a datetime; got {type(value).__name__}.")


def _jsonable(value):
    return to_jsonable_python(value)


def _label(kind: str) -> str:
    return kind.replace("_", " ")


def _matches_group(wanted: str, groups: Iterable[str]) -> bool:
    groups = list(groups)
    if wanted in groups:
        return True
    band = age_band(wanted)
    if band is None:
        return False
    vocab = target_groups()
    for g in groups:
        other = age_band(g) or (vocab[g].ages if g in vocab else None)
        if other is not None and other[0] <= band[1] and band[0] <= other[1]:
            return True
    return False


class Registry:
    """The registry of initiatives in a store (a :class:`~kvarter.store.Store` or a store file path).

    ``timeout`` is how long a write waits for another process holding the
    file; ``catalogue`` is the indicator catalogue outcomes are checked
    against (the built-in one by default). Every write returns the record's
    new version number.

    >>> reg = Registry(Store(":memory:"))
    >>> reg.add({"id": "lektiecafe", "name": "Lektiecafé", "areas": ["DEM-H01"], "target_groups": ["children"],
    ...          "principles": ["gentofte:7"], "start": "2023-08-15", "status": "running"}, author="ana")
    1
    >>> reg.update("lektiecafe", {"participants": 42}, author="bo", reason="count for 2024")
    2
    >>> reg.get("lektiecafe").participants, reg.history("lektiecafe")["changed"].tolist()
    (42, ['(added)', 'participants'])
    """

    def __init__(self, store: Store | str | Path, *, timeout: float = DEFAULT_TIMEOUT, catalogue=None):
        self.store = store
        self.timeout = timeout
        self.catalogue = catalogue
        self._tables = RegistryTables(store, timeout=timeout)
        self._indicators: frozenset[str] | None = None

    # ------------------------------------------------------------------ context
    def _indicator_ids(self) -> frozenset[str]:
        if self._indicators is None:
            catalogue = self.catalogue
            if catalogue is None:
                from kvarter.indicators.catalogue import load_catalogue

                catalogue = load_catalogue()
            self._indicators = frozenset(catalogue.ids)
        return self._indicators

    def _context(self, extra_principles: Iterable[str] = (), extra_initiatives: Iterable[str] = (),
                 need_initiatives: bool = False) -> Context:
        areas = self._tables.column("areas", "area_id")
        refs = {r for ps in self.principle_sets().values() for r in ps.refs()} | set(extra_principles)
        initiatives = set(extra_initiatives)
        if need_initiatives:  # only experiences refer to initiatives
            initiatives |= {r.record_id for r in self._tables.latest("initiative")}
        return Context(
            areas=None if areas is None else frozenset(areas), indicators=self._indicator_ids(),
            principles=frozenset(refs), initiatives=frozenset(initiatives),
        )

    def _validated(self, kind: str, data, ctx: Context, source: str):
        record, failures = validate_record(kind, data, ctx, source=source)
        if failures:
            raise InputErrors(failures, source=source)
        return record

    def _write(self, kind, record_id, action, author, reason, apply, expected=None) -> int:
        if not str(author or "").strip():
            raise InputError(f"A change to {_label(kind)} {record_id!r} needs an author (who made it).")
        w = PendingWrite(kind, record_id, action, str(author).strip(), str(reason or "").strip(),
                         uuid.uuid4().hex, apply, expected)
        return self._tables.write([w])[0]

    @staticmethod
    def _missing(kind: str, record_id: str, as_of=None) -> InputError:
        when = f" as of {as_of:%Y-%m-%d %H:%M:%S}" if as_of is not None else ""
        return InputError(f"There is no {_label(kind)} {record_id!r} in the registry{when}.")

    # ------------------------------------------------------------------ principle sets
    def principle_sets(self, as_of=None) -> dict[str, PrincipleSet]:
        """The built-in principle sets and the users' own (not withdrawn) by id."""
        sets = dict(builtin_principle_sets())
        for row in self._tables.latest("principle_set", as_of=as_of_time(as_of)):
            if not row.data.get("withdrawn"):
                sets[row.record_id] = PrincipleSet.model_validate(row.data)
        return sets

    def add_principle_set(self, principle_set: PrincipleSet | dict | str | Path, author: str = "unknown",
                          reason: str = "principle set added") -> int:
        """Add a user's principle set (a model, a dict or a YAML file); returns its version (1)."""
        if isinstance(principle_set, (str, Path)):
            from kvarter.registry.principles import read_principle_set

            principle_set = read_principle_set(principle_set)
        data = principle_set.model_dump(mode="json") if isinstance(principle_set, BaseModel) else principle_set
        with self._tables.session():
            record = self._validated("principle_set", data, self._context(), "principle set")
            if record.id in builtin_principle_sets():
                raise InputError(f"principle set {record.id!r} is built in; give your set another id.")
            return self._write("principle_set", record.id, "add", author, reason,
                               self._adding("principle_set", record))

    # ------------------------------------------------------------------ writes
    def _adding(self, kind, record):
        data = record.model_dump(mode="json")

        def apply(cur: VersionRow | None):
            if cur is not None:
                raise InputErrors([Failure(
                    f"{_label(kind)} {record.id!r}", None, "id", record.id, Reason.duplicate_id,
                    f"{_label(kind)} {record.id!r} is already in the registry (version {cur.version}, "
                    f"{cur.action} by {cur.author} on {cur.recorded_at:%Y-%m-%d}); change it with update",
                )], source=f"{_label(kind)} {record.id!r}")
            return data

        return apply

    def add(self, initiative: Initiative | dict, author: str = "unknown", reason: str = "added") -> int:
        """Add a new initiative (a model or a dict of its fields); returns its version number (1).

        Raises :class:`~kvarter.errors.InputErrors` naming the record and field for
        bad input (unknown areas or indicators, an end before a start, a negative
        budget, an evidence level outside its scale, a text field too long), and
        when the id is taken; nothing is stored then.
        """
        return self._add("initiative", initiative, author, reason)

    def add_experience(self, experience: Experience | dict, author: str = "unknown",
                       reason: str = "experience added") -> int:
        """Add a dated experience (what worked, what did not); returns its version number (1)."""
        return self._add("experience", experience, author, reason)

    def _add(self, kind, data, author, reason) -> int:
        data = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
        if isinstance(data, dict) and data.get("withdrawn"):
            raise InputError(f"A new {_label(kind)} cannot be added withdrawn; add it, then withdraw it.")
        with self._tables.session():
            record = self._validated(kind, data, self._context(need_initiatives=kind == "experience"),
                                     f"{_label(kind)} {data.get('id')!r}"
                                     if isinstance(data, dict) else _label(kind))
            return self._write(kind, record.id, "add", author, reason, self._adding(kind, record))

    def update(self, id: str, changes: dict, author: str = "unknown", reason: str = "", *,
               expected_version: int | None = None, kind: str = "initiative") -> int:
        """Change fields of a record; returns its new version number.

        ``changes`` maps field names to new values (a list field is replaced
        whole; use :meth:`add_evidence` to add one evaluation). The change is
        made on top of the latest version even when another writer got there
        first; pass ``expected_version`` to refuse instead
        (:class:`~kvarter.store.registry_tables.VersionConflictError`). A change
        that leaves the record as it is writes no version and returns the current one.
        """
        model = MODELS[kind]
        if not isinstance(changes, dict) or not changes:
            raise InputError(f"update of {_label(kind)} {id!r} needs a mapping of fields to change; got {changes!r}.")
        failures = []
        for key in changes:
            if key in ("id", "withdrawn"):
                why = "ids do not change; add a new record" if key == "id" else "use withdraw()"
                failures.append(Failure(f"{_label(kind)} {id!r}", None, key, None, Reason.not_allowed,
                                        f"{_label(kind)} {id!r}: {key} cannot be changed by update: {why}"))
            elif key not in model.model_fields:
                failures.append(Failure(f"{_label(kind)} {id!r}", None, key, None, Reason.unknown_column,
                                        f"{_label(kind)} {id!r}: {key!r} is not a field; fields are "
                                        + ", ".join(model.model_fields)))
        if failures:
            raise InputErrors(failures, source=f"update of {_label(kind)} {id!r}")
        new_values = {k: _jsonable(v) for k, v in changes.items()}
        with self._tables.session():
            ctx = self._context(need_initiatives=kind == "experience")

            def apply(cur: VersionRow | None):
                self._changeable(kind, id, cur)
                record = self._validated(kind, {**cur.data, **new_values}, ctx, f"{_label(kind)} {id!r}")
                data = record.model_dump(mode="json")
                return None if data == cur.data else data

            return self._write(kind, id, "update", author, reason, apply, expected_version)

    def add_evidence(self, id: str, evidence, author: str = "unknown", reason: str = "evidence added") -> int:
        """Add one evaluation to an initiative's evidence; returns the initiative's new version number."""
        item = _jsonable(evidence)
        with self._tables.session():
            ctx = self._context()

            def apply(cur: VersionRow | None):
                self._changeable("initiative", id, cur)
                data = {**cur.data, "evidence": list(cur.data.get("evidence", [])) + [item]}
                return self._validated("initiative", data, ctx, f"initiative {id!r}").model_dump(mode="json")

            return self._write("initiative", id, "update", author, reason, apply)

    def withdraw(self, id: str, author: str = "unknown", reason: str = "", *, kind: str = "initiative") -> int:
        """Withdraw a record: a new version marked withdrawn; its history stays. Returns the new version."""
        if not str(reason or "").strip():
            raise InputError(f"Withdrawing {_label(kind)} {id!r} needs a reason (why it is withdrawn).")

        def apply(cur: VersionRow | None):
            self._changeable(kind, id, cur)
            return {**cur.data, "withdrawn": True}

        return self._write(kind, id, "withdraw", author, reason, apply)

    def _changeable(self, kind: str, id: str, cur: VersionRow | None) -> None:
        if cur is None:
            raise self._missing(kind, id)
        if cur.data.get("withdrawn"):
            raise InputError(
                f"{_label(kind).capitalize()} {id!r} was withdrawn at version {cur.version} by {cur.author} "
                f"on {cur.recorded_at:%Y-%m-%d} ({cur.reason}); its history stays, but it cannot be changed."
            )

    # ------------------------------------------------------------------ reads
    def get_version(self, id: str, as_of=None, *, version: int | None = None, kind: str = "initiative") -> Versioned:
        """A record with its version, author, time and reason: the latest, the latest recorded
        at or before ``as_of``, or a given ``version``."""
        at = as_of_time(as_of)
        if version is not None:
            rows = [r for r in self._tables.versions(kind, id) if r.version == int(version)]
            if not rows:
                raise InputError(f"{_label(kind).capitalize()} {id!r} has no version {version}.")
            row = rows[0]
        else:
            rows = self._tables.latest(kind, as_of=at, ids=[id])
            if not rows:
                raise self._missing(kind, id, at)
            row = rows[0]
        return Versioned(MODELS[kind].model_validate(row.data), row.version, row.action, row.recorded_at,
                         row.author, row.reason)

    def get(self, id: str, as_of=None, *, version: int | None = None, kind: str = "initiative"):
        """A record as it is now, as it was recorded at ``as_of``, or at ``version``."""
        return self.get_version(id, as_of, version=version, kind=kind).record

    def history(self, id: str, *, kind: str = "initiative") -> pd.DataFrame:
        """Every version of a record, oldest first: version, action, recorded_at, author, reason,
        changed (the fields that changed from the version before), withdrawn."""
        rows = self._tables.versions(kind, id)
        if not rows:
            raise self._missing(kind, id)
        out, prev = [], None
        for r in rows:
            changed = "(added)" if prev is None else ", ".join(sorted({
                path.split(".")[0].split("[")[0] for path, _, _ in diff_records(prev, r.data)}))
            out.append({"version": r.version, "action": r.action, "recorded_at": r.recorded_at, "author": r.author,
                        "reason": r.reason, "changed": changed, "withdrawn": bool(r.data.get("withdrawn"))})
            prev = r.data
        return pd.DataFrame(out, columns=HISTORY_COLUMNS)

    def diff(self, id: str, a: int | None = None, b: int | None = None, *, kind: str = "initiative") -> pd.DataFrame:
        """The fields that differ between versions ``a`` and ``b`` of a record (default: the
        latest and the one before): field, old, new."""
        rows = {r.version: r for r in self._tables.versions(kind, id)}
        if not rows:
            raise self._missing(kind, id)
        b = max(rows) if b is None else int(b)
        a = b - 1 if a is None else int(a)
        for v in (a, b):
            if v != 0 and v not in rows:
                raise InputError(f"{_label(kind).capitalize()} {id!r} has versions 1-{max(rows)}; there is no version {v}.")
        old = rows[a].data if a else None
        return pd.DataFrame(diff_records(old, rows[b].data), columns=["field", "old", "new"])

    def initiatives(self, area: str | None = None, principle: str | None = None, target_group: str | None = None,
                    as_of=None, *, status: str | None = None, include_withdrawn: bool = False) -> list[Initiative]:
        """The initiatives matching every filter given, as models (see :meth:`list`)."""
        return [v.record for v in self._versioned(area, principle, target_group, as_of, status, include_withdrawn)]

    def _versioned(self, area, principle, target_group, as_of, status, include_withdrawn) -> list[Versioned]:
        if target_group is not None and age_band(target_group) is None and target_group not in target_groups():
            raise InputError(f"unknown target group {target_group!r}; use an age band such as age:15-24 or one of "
                             + ", ".join(target_groups()) + ".")
        out = []
        for row in self._tables.latest("initiative", as_of=as_of_time(as_of)):
            rec = Initiative.model_validate(row.data)
            if rec.withdrawn and not include_withdrawn:
                continue
            if area is not None and area not in rec.areas:
                continue
            if principle is not None and not any(
                    p == principle or (":" not in principle and p.split(":")[0] == principle) for p in rec.principles):
                continue
            if target_group is not None and not _matches_group(target_group, rec.target_groups):
                continue
            if status is not None and rec.status != status:
                continue
            out.append(Versioned(rec, row.version, row.action, row.recorded_at, row.author, row.reason))
        return out

    def list(self, area: str | None = None, principle: str | None = None, target_group: str | None = None,
             as_of=None, *, status: str | None = None, include_withdrawn: bool = False) -> pd.DataFrame:
        """One row per initiative matching every filter given (columns :data:`LIST_COLUMNS`).

        ``area`` is an area id the initiative runs in; ``principle`` a reference
        (``gentofte:3``) or a whole set (``gentofte``); ``target_group`` a group id
        or an age band (``age:15-24`` matches groups whose ages overlap it);
        ``as_of`` the registry as recorded then. List fields are joined with ``", "``.
        """
        rows = []
        for v in self._versioned(area, principle, target_group, as_of, status, include_withdrawn):
            r = v.record
            best = r.best_evidence
            rows.append({
                "id": r.id, "name": r.name, "status": r.status, "start": r.start, "end": r.end,
                "areas": ", ".join(r.areas), "target_groups": ", ".join(r.target_groups),
                "principles": ", ".join(r.principles), "partners": ", ".join(p.name for p in r.partners),
                "budget": r.budget, "currency": r.currency, "participants": r.participants,
                "cost_per_participant": r.unit_cost, "outcome_indicators": ", ".join(o.indicator for o in r.outcomes),
                "evidence": len(r.evidence), "best_scale": best.scale if best else None,
                "best_level": str(best.level) if best else None, "best_strength": best.strength if best else None,
                "example": r.example, "withdrawn": r.withdrawn, "version": v.version,
                "recorded_at": v.recorded_at, "author": v.author,
            })
        frame = pd.DataFrame(rows, columns=LIST_COLUMNS)
        for col in ("evidence", "version"):
            frame[col] = frame[col].astype("int64")
        for col in ("participants", "best_strength"):
            frame[col] = frame[col].astype("Int64")
        return frame

    def experiences(self, area: str | None = None, initiative: str | None = None, as_of=None, *,
                    include_withdrawn: bool = False) -> list[Experience]:
        """Experiences, newest first, of an area (directly or through its initiatives) or of an initiative."""
        at = as_of_time(as_of)
        in_area = None
        if area is not None:
            in_area = {r.record_id for r in self._tables.latest("initiative", as_of=at) if area in r.data.get("areas", [])}
        out = []
        for row in self._tables.latest("experience", as_of=at):
            rec = Experience.model_validate(row.data)
            if rec.withdrawn and not include_withdrawn:
                continue
            if initiative is not None and rec.initiative != initiative:
                continue
            if area is not None and area not in rec.areas and rec.initiative not in in_area:
                continue
            out.append(rec)
        return sorted(out, key=lambda e: (e.date, e.id), reverse=True)

    def search(self, text: str, as_of=None, *, include_withdrawn: bool = False) -> pd.DataFrame:
        """Initiatives and experiences containing every word of ``text``, best first
        (kind, id, name, score, fields, withdrawn); see :mod:`kvarter.registry.search`."""
        from kvarter.registry.search import search_rows

        at = as_of_time(as_of)
        with self._tables.session():
            rows = self._tables.latest("initiative", as_of=at) + self._tables.latest("experience", as_of=at)
            areas = self._tables.read_table("areas")
        names = {} if areas is None or "name" not in areas else dict(zip(areas["area_id"].astype(str),
                                                                         areas["name"].astype(str)))
        return search_rows(rows, text, include_withdrawn=include_withdrawn, area_names=names)

    def what_works(self, area: str, *, min_level: str = "sms:3", year: int | None = None, met=None,
                   as_of=None) -> pd.DataFrame:
        """What works for whom in areas like ``area``; see :func:`kvarter.registry.whatworks.what_works`."""
        from kvarter.registry.whatworks import what_works

        return what_works(self, area, min_level=min_level, year=year, met=met, as_of=as_of)

    def _indicator_table(self, indicators):
        if indicators is not None:
            return indicators
        table = self._tables.read_table("indicators")
        if table is None:
            raise InputError("The store has no indicators table; run kvarter indicators first, or pass indicators=.")
        return table

    def progress(self, indicators: pd.DataFrame | None = None, *, as_of=None) -> pd.DataFrame:
        """Each initiative's outcome indicators in its areas over the years against the municipality
        (from the store's ``indicators`` table unless given); see
        :func:`kvarter.registry.whatworks.outcome_progress`."""
        from kvarter.registry.whatworks import outcome_progress

        return outcome_progress(self.initiatives(as_of=as_of), self._indicator_table(indicators))

    def principle_progress(self, indicators: pd.DataFrame | None = None, *, as_of=None) -> pd.DataFrame:
        """How each principle's outcome statements are moving where initiatives serving it run; see
        :func:`kvarter.registry.whatworks.principle_progress`."""
        from kvarter.registry.whatworks import principle_progress

        return principle_progress(self.principle_sets(as_of), self.initiatives(as_of=as_of),
                                  self._indicator_table(indicators))

    def check(self) -> list[str]:
        """Problems in the stored history (empty when consistent); see
        :meth:`~kvarter.store.registry_tables.RegistryTables.check`."""
        problems = self._tables.check()
        for r in self._tables.all_versions():
            try:
                MODELS[r.kind].model_validate(r.data)
            except Exception as exc:  # a stored record must always read back
                problems.append(f"{r.kind} {r.record_id!r} version {r.version} does not validate: {exc}")
        return problems

    # ------------------------------------------------------------------ files
    def import_file(self, path: str | Path, author: str = "unknown", reason: str | None = None) -> ImportResult:
        """Import initiatives, experiences and principle sets from a YAML, JSON or CSV file, all or nothing.

        Every record is checked first; any failure raises one
        :class:`~kvarter.errors.InputErrors` whose ``table()`` has the columns of
        ``kvarter load`` (file, row, column, value, reason, message) and nothing is
        stored. A record new to the registry is added; one that differs from the
        stored version becomes a new version; an identical one is left as it is.
        """
        path = Path(path)
        items, failures = read_items(path)
        source = str(path)
        reason = reason or f"imported from {path.name}"
        with self._tables.session():
            sets_in_file = [i for i in items if i.kind == "principle_set" and isinstance(i.data, dict)]
            extra_refs = {f"{i.data.get('id')}:{p.get('number')}" for i in sets_in_file
                          for p in i.data.get("principles", []) if isinstance(p, dict)}
            extra_inits = {i.data.get("id") for i in items if i.kind == "initiative" and isinstance(i.data, dict)}
            ctx = self._context(extra_refs, {x for x in extra_inits if isinstance(x, str)}, need_initiatives=True)
            records, seen = [], {}
            for item in items:
                rec, found = validate_record(item.kind, item.data, ctx, source=source, row=item.row)
                failures += found
                rid = item.data.get("id") if isinstance(item.data, dict) else None
                if isinstance(rid, str):
                    key = (item.kind, rid)
                    if key in seen:
                        failures.append(Failure(source, item.row, "id", rid, Reason.duplicate_id,
                                                f"{_label(item.kind)} {rid!r} appears twice in the file "
                                                f"({_label(item.kind)} rows {seen[key]} and {item.row})"))
                    seen.setdefault(key, item.row)
                if rec is not None:
                    records.append((item, rec))
            current = {}
            for kind in {item.kind for item, _ in records}:
                ids = [rec.id for item, rec in records if item.kind == kind]
                current.update({(kind, r.record_id): r for r in self._tables.latest(kind, ids=ids)})
            for item, rec in records:
                cur = current.get((item.kind, rec.id))
                if item.kind == "principle_set" and rec.id in builtin_principle_sets():
                    failures.append(Failure(source, item.row, "id", rec.id, Reason.not_allowed,
                                            f"principle set {rec.id!r} is built in; give your set another id"))
                if cur is not None and cur.data.get("withdrawn") and rec.model_dump(mode="json") != cur.data:
                    failures.append(Failure(source, item.row, "id", rec.id, Reason.not_allowed,
                                            f"{_label(item.kind)} {rec.id!r} was withdrawn at version {cur.version}; "
                                            "it cannot be changed"))
            if failures:
                failures.sort(key=lambda f: (f.row is not None, f.row or 0))
                raise InputErrors(failures, source=source)
            actions: dict[tuple[str, str], str] = {}
            writes = [self._import_write(item.kind, rec, author, reason, actions) for item, rec in records]
            versions = self._tables.write(writes) if writes else []
        table = pd.DataFrame(
            [{"kind": item.kind, "id": rec.id, "row": item.row, "action": actions[(item.kind, rec.id)], "version": v}
             for (item, rec), v in zip(records, versions)],
            columns=["kind", "id", "row", "action", "version"],
        )
        return ImportResult(source, table)

    def _import_write(self, kind, rec, author, reason, actions) -> PendingWrite:
        data = rec.model_dump(mode="json")

        def apply(cur: VersionRow | None):
            if cur is None:
                actions[(kind, rec.id)] = "added"
                return data
            if cur.data == data:
                actions[(kind, rec.id)] = "unchanged"
                return None
            if cur.data.get("withdrawn"):
                self._changeable(kind, rec.id, cur)
            actions[(kind, rec.id)] = "updated"
            return data

        if not str(author or "").strip():
            raise InputError("An import needs an author (who made it).")
        return PendingWrite(kind, rec.id, "import", str(author).strip(), reason, uuid.uuid4().hex, apply)

    def export(self, path: str | Path, *, as_of=None, include_withdrawn: bool = True) -> Path:
        """Write the registry (as recorded ``as_of``, default now) to a YAML, JSON or CSV file.

        YAML and JSON hold initiatives, experiences and the users' principle
        sets, and :meth:`import_file` reads them back unchanged; CSV holds the
        initiatives only.
        """
        at = as_of_time(as_of)
        sections = {}
        for key, kind in (("initiatives", "initiative"), ("experiences", "experience"),
                          ("principle_sets", "principle_set")):
            rows = self._tables.latest(kind, as_of=at)
            sections[key] = [MODELS[kind].model_validate(r.data).model_dump(mode="json", exclude_none=True)
                             for r in rows if include_withdrawn or not r.data.get("withdrawn")]
        header = {"exported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        if at is not None:
            header["as_of"] = at.isoformat()
        return write_file(path, sections, header)
