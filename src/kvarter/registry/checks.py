"""Validate registry records into :class:`~kvarter.errors.Failure` rows that name the record and field.

:func:`validate_record` runs the record's Pydantic model and then the checks
that need the world around it: areas against the store's areas table,
indicators against the catalogue, principle references against the known
principle sets, an experience's initiative against the registry. Every
failure is collected (nothing raises half-way), so an import reports its
whole failure table, with the same columns as ``kvarter load``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from kvarter.errors import Failure, Reason
from kvarter.registry.models import MODELS

_LENGTH = {"string_too_long", "too_long", "greater_than", "greater_than_equal", "less_than", "less_than_equal"}
_NOT_ALLOWED = {"literal_error", "enum", "string_pattern_mismatch"}
_MISSING = {"missing", "string_too_short", "too_short"}


@dataclass(frozen=True)
class Context:
    """What a record is checked against. ``areas`` is ``None`` when the store has no areas
    table (areas are then not checked, as a load does not check against an empty table)."""

    areas: frozenset[str] | None
    indicators: frozenset[str]
    principles: frozenset[str]
    initiatives: frozenset[str] = frozenset()


def shown(value, limit: int = 60) -> str:
    """A value as a failure shows it: long text cut, with its length.

    >>> shown("x" * 10_000_000)
    'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx… (10,000,000 characters)'
    >>> shown("2023-01-01"), shown([1, 2])
    ('2023-01-01', '[1, 2]')
    """
    if isinstance(value, str):
        return value if len(value) <= limit else value[:40] + f"… ({len(value):,} characters)"
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text):,} characters)"


def field_path(loc) -> str:
    """A Pydantic error location as a field path.

    >>> field_path(("evidence", 0, "level")), field_path(())
    ('evidence[0].level', '(record)')
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("int", "str", "float", "bool", "date") or "[" in str(part):
            continue  # union members and validator wrappers are not fields
        else:
            out += ("." if out else "") + str(part)
    return out or "(record)"


def _reason(err_type: str) -> Reason:
    if err_type in Reason.__members__:
        return Reason(err_type)
    if err_type in _MISSING:
        return Reason.missing_value
    if err_type in _LENGTH:
        return Reason.out_of_range
    if err_type in _NOT_ALLOWED:
        return Reason.not_allowed
    if err_type == "extra_forbidden":
        return Reason.unknown_column
    return Reason.wrong_type


def _label(kind: str, data) -> str:
    rid = data.get("id") if isinstance(data, dict) else None
    return f"{kind.replace('_', ' ')} {rid!r}" if isinstance(rid, str) else f"{kind.replace('_', ' ')} (no id)"


def model_failures(kind: str, data, exc: ValidationError, source: str, row: int | None) -> list[Failure]:
    """The errors of one record's model validation as failures naming the record and field.

    >>> from kvarter.registry.models import Partner
    >>> try:
    ...     Partner.model_validate({"name": "", "kind": "club"})
    ... except ValidationError as exc:
    ...     [(f.column, f.reason.value) for f in model_failures("partner", {"id": "p"}, exc, "x.yaml", 3)]
    [('name', 'missing_value'), ('kind', 'not_allowed')]
    """
    label = _label(kind, data)
    out = []
    for err in exc.errors(include_url=False):
        ctx = err.get("ctx") or {}
        path = ctx.get("field") or field_path(err["loc"])
        value = None if err["type"] == "missing" else err.get("input")
        if isinstance(value, dict | BaseModel):
            value = None
        msg = err["msg"]
        if err["type"] in ("string_too_long", "too_long") and isinstance(err.get("input"), str | list):
            msg = f"{msg} (it has {len(err['input']):,})"
        out.append(Failure(source, row, path, None if value is None else shown(value), _reason(err["type"]),
                           f"{label}: {path}: {msg}"))
    return out


def _suggest(value: str, known) -> str:
    close = difflib.get_close_matches(value, sorted(known), n=3)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def reference_failures(kind: str, record, ctx: Context, source: str, row: int | None) -> list[Failure]:
    """Failures of a validated record's references (areas, indicators, principles, initiative).

    >>> from kvarter.registry.models import Experience
    >>> e = Experience.model_validate({"id": "e1", "date": "2024-05-01", "title": "T", "worked": "w",
    ...                                "initiative": "cafe", "areas": ["A9"]})
    >>> ctx = Context(areas=frozenset({"A1"}), indicators=frozenset(), principles=frozenset(),
    ...               initiatives=frozenset({"café"}))
    >>> [f.message for f in reference_failures("experience", e, ctx, "x.yaml", 1)]
    ["experience 'e1': areas[0]: area 'A9' is not in the store's areas table", "experience 'e1': initiative: no initiative 'cafe' in the registry (did you mean café?)"]
    """
    label = _label(kind, record.model_dump())
    out: list[Failure] = []

    def fail(column, value, reason, message):
        out.append(Failure(source, row, column, value, reason, f"{label}: {column}: {message}"))

    if kind in ("initiative", "experience") and ctx.areas is not None:
        for i, a in enumerate(record.areas):
            if a not in ctx.areas:
                fail(f"areas[{i}]", a, Reason.unknown_area,
                     f"area {a!r} is not in the store's areas table{_suggest(a, ctx.areas)}")
    if kind == "initiative":
        for i, o in enumerate(record.outcomes):
            if o.indicator not in ctx.indicators:
                fail(f"outcomes[{i}].indicator", o.indicator, Reason.not_allowed,
                     f"indicator {o.indicator!r} is not in the indicator catalogue{_suggest(o.indicator, ctx.indicators)}")
        for i, e in enumerate(record.evidence):
            if e.indicator is not None and e.indicator not in ctx.indicators:
                fail(f"evidence[{i}].indicator", e.indicator, Reason.not_allowed,
                     f"indicator {e.indicator!r} is not in the indicator catalogue{_suggest(e.indicator, ctx.indicators)}")
        for i, p in enumerate(record.principles):
            if p not in ctx.principles:
                sets = sorted({r.split(':')[0] for r in ctx.principles})
                fail(f"principles[{i}]", p, Reason.not_allowed,
                     f"principle {p!r} is in no known principle set (sets: {', '.join(sets)}){_suggest(p, ctx.principles)}")
    if kind == "experience" and record.initiative is not None and record.initiative not in ctx.initiatives:
        fail("initiative", record.initiative, Reason.not_allowed,
             f"no initiative {record.initiative!r} in the registry{_suggest(record.initiative, ctx.initiatives)}")
    if kind == "principle_set":
        for i, p in enumerate(record.principles):
            for j, s in enumerate(p.statements):
                for k, ind in enumerate(s.indicators):
                    if ind.id not in ctx.indicators:
                        fail(f"principles[{i}].statements[{j}].indicators[{k}]", ind.id, Reason.not_allowed,
                             f"indicator {ind.id!r} is not in the indicator catalogue{_suggest(ind.id, ctx.indicators)}")
    return out


def validate_record(kind: str, data, ctx: Context, *, source: str = "<record>", row: int | None = None):
    """``(model, failures)`` for one record given as a dict or a model; ``model`` is ``None`` when it fails.

    >>> ctx = Context(areas=frozenset({"A1"}), indicators=frozenset({"residents"}), principles=frozenset())
    >>> rec, failures = validate_record("initiative", {"id": "x", "name": "X", "areas": ["A2"],
    ...     "start": "2024-05-01", "end": "2023-01-01", "status": "running"}, ctx)
    >>> rec, [(f.column, f.reason.value) for f in failures]
    (None, [('end', 'inconsistent')])
    >>> rec, failures = validate_record("initiative", {"id": "x", "name": "X", "areas": ["A2"],
    ...     "start": "2024-05-01", "status": "running"}, ctx)
    >>> [f.message for f in failures]
    ["initiative 'x': areas[0]: area 'A2' is not in the store's areas table"]
    """
    model = MODELS[kind]
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    if not isinstance(data, dict):
        return None, [Failure(source, row, None, shown(data), Reason.wrong_type,
                              f"{kind.replace('_', ' ')} record must be a mapping of fields; got {type(data).__name__}")]
    try:
        record = model.model_validate(data)
    except ValidationError as exc:
        return None, model_failures(kind, data, exc, source, row)
    failures = reference_failures(kind, record, ctx, source, row)
    return (None if failures else record), failures
