"""Lazy validation of a table against its contract.

Every check runs over the whole table before anything is decided, in the
manner of pandera's lazy validation: missing columns, values of the wrong
type, codes not allowed, values out of range, negative counts, empty required
cells, duplicate primary keys (every row of a duplicate group is named, with
the others), references to areas or schools that are not known, and an empty
table. :func:`check_frame` returns the coerced table and the list of
:class:`~kvarter.errors.Failure` rows; :func:`validate_frame` raises them as one
:class:`~kvarter.errors.InputErrors`.

Coercion accepts what register extracts and spreadsheets really hold: numbers
as text, decimal commas (``12,5``; ``1.234,5``), booleans as
``0/1/true/false/ja/nej/yes/no`` (also ``nei``, ``nee``), codes in any case
with spaces or hyphens for underscores (``Non-Western`` → ``non_western``).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kvarter.errors import Failure, InputErrors, Reason
from kvarter.io.contracts import Column, Contract
from kvarter.io.geometry import geometry_problems

#: At most this many failures are listed per column and reason; the rest are summed up in one row.
MAX_FAILURES_PER_CHECK = 1000

TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y", "ja", "j", "sand"})
FALSE_WORDS = frozenset({"0", "false", "f", "no", "n", "nej", "nei", "nee", "falsk"})

_THOUSANDS_DOT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
_COMMA_NUMBER = re.compile(r"^[+-]?\d+,\d+$")
_POINT_NUMBER = re.compile(r"^[+-]?\d+\.\d+$")
_OWN_CODE = re.compile(r"[a-zæøåäöüß][a-z0-9_æøåäöüß]*")

#: pandas dtypes of the coerced columns, by contract type.
DTYPES: dict[str, str] = {"string": "str", "integer": "Int64", "number": "Float64", "boolean": "boolean"}

REFERENCE_REASONS: dict[str, Reason] = {"areas": Reason.unknown_area, "schools": Reason.unknown_school}


@dataclass
class Checked:
    """The result of :func:`check_frame`: the coerced table and every failure found.

    ``frame`` holds every contract column in contract order (absent optional
    columns as empty cells) with the types of :data:`DTYPES`; ``rows`` gives the
    source row of each record; ``provided`` lists the contract columns the
    input had and ``ignored_columns`` the input columns the contract does not know.
    """

    frame: pd.DataFrame
    rows: np.ndarray
    failures: list[Failure]
    provided: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


class _Collector:
    """Turns a boolean mask of bad cells into capped Failure rows."""

    def __init__(self, source: str, rows: np.ndarray):
        self.source = source
        self.rows = rows
        self.failures: list[Failure] = []

    def add(self, column, value, reason: Reason, message: str, row=None) -> None:
        self.failures.append(Failure(self.source, row, column, value, reason, message))

    def mask(self, mask, column: str, values: pd.Series, reason: Reason, message: Callable[[object], str]):
        idx = np.flatnonzero(np.asarray(mask, dtype=bool))
        for i in idx[:MAX_FAILURES_PER_CHECK]:
            v = values.iloc[i]
            self.add(column, v, reason, message(v), int(self.rows[i]))
        if len(idx) > MAX_FAILURES_PER_CHECK:
            rest = len(idx) - MAX_FAILURES_PER_CHECK
            self.add(column, None, reason, f"... and {rest} more row(s) in column {column!r} fail the same way")


def _missing(s: pd.Series) -> np.ndarray:
    miss = s.isna().to_numpy()
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        text = s.astype("str").str.strip()
        miss = miss | (text == "").to_numpy()
    return miss


def _text(s: pd.Series) -> pd.Series:
    """Values as stripped text ("" where missing); whole floats written without ``.0``."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.map(lambda v: "" if pd.isna(v) else str(v).lower()).astype("str")
    if pd.api.types.is_integer_dtype(s.dtype):
        return s.astype("Int64").astype("str").fillna("")
    if pd.api.types.is_float_dtype(s.dtype):
        return s.map(_number_text).astype("str")
    if s.dtype != object and pd.api.types.is_string_dtype(s.dtype):
        return s.fillna("").str.strip()
    return s.map(_any_text).astype("str")


def _number_text(v) -> str:
    if pd.isna(v):
        return ""
    f = float(v)
    return str(int(f)) if f.is_integer() else repr(f)


def _any_text(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, bool | np.bool_):
        return str(bool(v)).lower()
    if isinstance(v, float | np.floating):
        return _number_text(v)
    return str(v).strip()


def _column_decimal(text: pd.Series) -> str:
    sample = text[text != ""]
    if sample.empty:
        return "."
    has_comma = sample.str.match(_COMMA_NUMBER.pattern).any() or sample.str.match(_THOUSANDS_DOT.pattern).any()
    has_point = sample.str.match(_POINT_NUMBER.pattern).any()
    return "," if has_comma and not has_point else "."


def _parse_numbers(s: pd.Series, decimal: str | None) -> tuple[pd.Series, np.ndarray]:
    """Float values and a mask of cells that are present but not numbers."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("float64"), np.zeros(len(s), dtype=bool)
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.astype("float64"), np.zeros(len(s), dtype=bool)
    text = _text(s)
    dec = decimal or _column_decimal(text)
    if dec == ",":
        thousands = text.str.match(_THOUSANDS_DOT.pattern)
        text = text.where(~thousands, text.str.replace(".", "", regex=False))
        text = text.str.replace(",", ".", regex=False)
    values = pd.to_numeric(text.where(text != "", None), errors="coerce").astype("float64")
    bad = values.isna().to_numpy() & (text != "").to_numpy()
    # "inf" and "nan" parse as floats but are no one's measurement.
    bad |= ~np.isfinite(values.fillna(0).to_numpy())
    return values, bad


def _coerce(s: pd.Series, col: Column, decimal: str | None) -> tuple[pd.Series, np.ndarray]:
    """Return the typed column and a mask of present-but-unparseable cells."""
    n = len(s)
    if col.type == "string":
        text = _text(s)
        return text.where(text != "", None).astype("str"), np.zeros(n, dtype=bool)
    if col.type == "boolean":
        if pd.api.types.is_bool_dtype(s.dtype):
            return s.astype("boolean"), np.zeros(n, dtype=bool)
        words = _text(s).str.lower()
        words = words.str.replace(r"^([01])\.0+$", r"\1", regex=True)
        truth = words.isin(TRUE_WORDS)
        falsity = words.isin(FALSE_WORDS)
        out = pd.Series(pd.NA, index=s.index, dtype="boolean")
        out[truth] = True
        out[falsity] = False
        bad = (~truth & ~falsity & (words != "")).to_numpy()
        return out, bad
    values, bad = _parse_numbers(s, decimal)
    if col.type == "integer":
        frac = values.notna().to_numpy() & (values.fillna(0).to_numpy() % 1 != 0)
        bad = bad | frac
        values = values.where(~bad, np.nan)
        return values.round().astype("Int64"), bad
    return values.where(~bad, np.nan).astype("Float64"), bad


def match_columns(columns, contract: Contract) -> tuple[dict[str, str], list[str]]:
    """Map contract names to input columns (case, spaces and hyphens ignored); list the rest.

    >>> from kvarter.io.contracts import contract
    >>> match_columns(["School_ID", "Name", "municipality", "rektor"], contract("schools"))
    ({'school_id': 'School_ID', 'name': 'Name', 'municipality': 'municipality'}, ['rektor'])
    """
    wanted = {c.name: c.name for c in contract.columns}
    mapping: dict[str, str] = {}
    extra: list[str] = []
    for raw in columns:
        key = re.sub(r"[\s\-]+", "_", str(raw).strip().lower())
        if key in wanted and key not in mapping:
            mapping[key] = raw
        else:
            extra.append(str(raw))
    return mapping, extra


def _repeated_columns(columns, contract: Contract) -> dict[str, list[str]]:
    """Contract names that two or more input columns match (``Name`` and ``NAME`` both give ``name``)."""
    wanted = set(contract.names)
    found: dict[str, list[str]] = {}
    for raw in columns:
        key = re.sub(r"[\s\-]+", "_", str(raw).strip().lower())
        if key in wanted:
            found.setdefault(key, []).append(str(raw))
    return {k: v for k, v in found.items() if len(v) > 1}


def _near_code(v: str, codes) -> str | None:
    """The built-in code ``v`` is a likely misspelling of (one or two letters off), if any."""
    near = difflib.get_close_matches(v, codes, n=1, cutoff=0.85)
    return near[0] if near and near[0] != v else None


def _normalise_code(v: str) -> str:
    return re.sub(r"[\s\-]+", "_", v.strip().lower())


def _fmt(v) -> str:
    return repr(v) if isinstance(v, str) else str(v)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _check_column(
    raw: pd.Series, col: Column, out: _Collector, decimal: str | None
) -> pd.Series:
    typed, bad = _coerce(raw, col, decimal)
    name = col.name
    kind = {"integer": "a whole number", "number": "a number", "boolean": "true/false (1/0, ja/nej, yes/no)"}
    out.mask(bad, name, raw, Reason.wrong_type, lambda v: f"{name} must be {kind.get(col.type, col.type)}; got {_fmt(v)}")
    missing = _missing(raw)
    if not col.nullable:
        out.mask(missing, name, raw, Reason.missing_value, lambda v: f"{name} is empty; a value is required")
    if col.allowed is not None:
        allowed = set(col.allowed)
        present = typed.notna().to_numpy()
        ok = typed.isin(allowed).to_numpy()
        if (present & ~ok).any():
            fixed = typed.map(lambda v: _normalise_code(v) if isinstance(v, str) else v)
            typed = typed.where(ok | ~fixed.isin(allowed), fixed)
            ok = typed.isin(allowed).to_numpy()
        codes = ", ".join(col.allowed)
        if col.extensible and (present & ~ok).any():
            # A user's own code (an area kind "sogn", "Skole-distrikt") is kept, normalised, if it is a word.
            fixed = typed.map(lambda v: _normalise_code(v) if isinstance(v, str) else v)
            word = fixed.str.fullmatch(_OWN_CODE.pattern).fillna(False).to_numpy(dtype=bool)
            # "housing_aera" is a slip, not a kind of its own.
            slip = fixed.map(lambda v: _near_code(v, col.allowed) if isinstance(v, str) else None)
            own = word & slip.isna().to_numpy() & present & ~ok
            typed = typed.where(~own, fixed)
            bad = present & ~ok & ~own
            out.mask(bad & slip.notna().to_numpy(), name, raw, Reason.not_allowed,
                     lambda v: f"{name} {_fmt(v)} is not a built-in code; did you mean "
                               f"{_near_code(_normalise_code(str(v)), col.allowed)!r}? (built-in: {codes})")
            out.mask(bad & slip.isna().to_numpy(), name, raw, Reason.not_allowed,
                     lambda v: f"{name} {_fmt(v)} is neither a built-in code ({codes}) nor a code of your own: "
                               "own codes are a lowercase word of letters, digits and underscores, such as sogn")
            ok = ok | own
        else:
            out.mask(present & ~ok, name, raw, Reason.not_allowed,
                     lambda v: f"{name} {_fmt(v)} is not one of the allowed codes: {codes}")
        typed = typed.where(ok, None)
    if col.format == "geojson":
        typed = _check_geometry(raw, typed, col, out)
    if col.type in ("integer", "number") and (col.min is not None or col.max is not None):
        vals = typed.astype("float64").to_numpy(na_value=np.nan)
        with np.errstate(invalid="ignore"):
            low = vals < col.min if col.min is not None else np.zeros(len(vals), dtype=bool)
            high = vals > col.max if col.max is not None else np.zeros(len(vals), dtype=bool)
        lo, hi = col.min, col.max
        span = f"[{_num(lo) if lo is not None else '-inf'}, {_num(hi) if hi is not None else 'inf'}]"
        if col.count:
            neg = low & (vals < 0)
            out.mask(neg, name, raw, Reason.negative_count, lambda v: f"{name} {_fmt(v)} is a negative count; counts must be >= 0")
            low = low & ~neg
        reason = Reason.year_out_of_range if name == "year" else Reason.out_of_range
        out.mask(low | high, name, raw, reason, lambda v: f"{name} {_fmt(v)} is outside the range {span}")
        typed = typed.where(~(low | high), None)
    elif col.count:
        vals = typed.astype("float64").to_numpy(na_value=np.nan)
        with np.errstate(invalid="ignore"):
            neg = vals < 0
        out.mask(neg, name, raw, Reason.negative_count, lambda v: f"{name} {_fmt(v)} is a negative count; counts must be >= 0")
    return typed


def _check_geometry(raw: pd.Series, typed: pd.Series, col: Column, out: _Collector) -> pd.Series:
    """Each present cell must be GeoJSON text of a drawable geometry (:func:`geometry_problems`)."""
    values = typed.to_numpy(dtype=object)
    bad = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue
        try:
            problems = geometry_problems(json.loads(v), col.geometry_types)
        except json.JSONDecodeError as exc:
            problems = [f"not GeoJSON text ({exc.msg} at character {exc.pos})"]
        if not problems:
            continue
        bad[i] = True
        if bad.sum() <= MAX_FAILURES_PER_CHECK:
            out.add(col.name, str(raw.iloc[i])[:80], Reason.bad_geometry,
                    f"{col.name}: {'; '.join(problems)}", int(out.rows[i]))
    if bad.sum() > MAX_FAILURES_PER_CHECK:
        rest = int(bad.sum()) - MAX_FAILURES_PER_CHECK
        out.add(col.name, None, Reason.bad_geometry, f"... and {rest} more row(s) in column {col.name!r} fail the same way")
    return typed.where(~bad, None)


def _check_duplicates(frame: pd.DataFrame, key: tuple[str, ...], rows: np.ndarray, out: _Collector) -> None:
    keys = frame[list(key)]
    complete = keys.notna().all(axis=1).to_numpy()
    dup = keys.duplicated(keep=False).to_numpy() & complete
    if not dup.any():
        return
    sub = keys.loc[dup].copy()
    sub["__row"] = rows[dup]
    label = ", ".join(key)
    groups = sub.groupby(list(key), sort=False, dropna=True)["__row"].agg(list)
    listed = 0
    for k, group_rows in groups.items():
        k = k if isinstance(k, tuple) else (k,)
        shown = ", ".join(f"{c}={_fmt(v)}" for c, v in zip(key, k))
        value = ", ".join(str(v) for v in k)
        for r in group_rows:
            others = ", ".join(str(o) for o in group_rows if o != r)
            if listed < MAX_FAILURES_PER_CHECK:
                out.add(label, value, Reason.duplicate_id,
                        f"duplicate id ({shown}): also in row(s) {others}", int(r))
            listed += 1
    if listed > MAX_FAILURES_PER_CHECK:
        out.add(label, None, Reason.duplicate_id, f"... and {listed - MAX_FAILURES_PER_CHECK} more duplicate row(s)")


def _check_references(
    frame: pd.DataFrame,
    raw: pd.DataFrame,
    contract: Contract,
    references: Mapping[str, Collection],
    present: Mapping[str, str],
    out: _Collector,
) -> None:
    for col in contract.columns:
        if col.references is None or col.name not in present:
            continue
        table, target = col.references.split(".")
        known: set | None = None
        if col.references in references:
            known = set(references[col.references])
        if table == contract.table and target in frame.columns:
            known = (known or set()) | set(frame[target].dropna())
        if known is None:
            continue  # the referenced table is not loaded: nothing to check against
        values = frame[col.name]
        bad = values.notna().to_numpy() & ~values.isin(known).to_numpy()
        reason = REFERENCE_REASONS.get(table, Reason.inconsistent)
        what = f"{table}.{target}"
        out.mask(bad, col.name, raw[present[col.name]], reason,
                 lambda v: f"{col.name} {_fmt(v)} is not a known {what} ({len(known)} known); load it first or correct the id")


def _aggregates_status(frame: pd.DataFrame, raw: pd.DataFrame, present: Mapping[str, str], out: _Collector) -> None:
    """A suppressed cell has no count; a published one has one. A missing status follows the count."""
    count = frame["count"]
    status = frame["status"]
    derived = pd.Series(np.where(count.isna().to_numpy(), "suppressed", "published"), index=frame.index, dtype="str")
    frame["status"] = status.where(status.notna(), derived)
    if "status" not in present:
        return
    given = status.notna().to_numpy()
    raw_status = raw[present["status"]]
    hidden_count = given & (status == "suppressed").fillna(False).to_numpy() & count.notna().to_numpy()
    out.mask(hidden_count, "status", raw_status, Reason.inconsistent,
             lambda v: "status is 'suppressed' but a count is given; leave the count empty or mark it published")
    if "count" in present:
        bad_count_col = _missing(raw[present["count"]])
        no_count = given & (status == "published").fillna(False).to_numpy() & bad_count_col
        out.mask(no_count, "count", raw[present["count"]], Reason.inconsistent,
                 lambda v: "count is empty but status is 'published'; give the count or mark it suppressed")


def _aggregates_units(frame: pd.DataFrame, raw: pd.DataFrame, present: Mapping[str, str], out: _Collector) -> None:
    """A share must be a fraction; a percent is divided by 100 and becomes a share.

    A row is a share when its unit says so, or, without a unit, when its
    variable is named ``*_share``.
    """
    unit = frame["unit"]
    named_share = frame["variable"].astype("str").str.endswith("_share").fillna(False).to_numpy(dtype=bool)
    share = (unit == "share").fillna(False).to_numpy(dtype=bool) | (unit.isna().to_numpy() & named_share)
    percent = (unit == "percent").fillna(False).to_numpy(dtype=bool)
    values = frame["count"].astype("float64").to_numpy(na_value=np.nan)
    raw_count = raw[present["count"]] if "count" in present else frame["count"]
    with np.errstate(invalid="ignore"):
        high_share = share & (values > 1)
        high_percent = percent & (values > 100)
    out.mask(high_share, "count", raw_count, Reason.out_of_range,
             lambda v: f"count {_fmt(v)} is a share above 1: shares are fractions (0.368 for 36.8 %); if the table "
                       "gives percent, say so with a unit column of percent (or --set unit=percent)")
    out.mask(high_percent, "count", raw_count, Reason.out_of_range,
             lambda v: f"count {_fmt(v)} is above 100 but its unit is percent")
    scaled = np.where(percent, values / 100, values)
    scaled[high_share | high_percent] = np.nan
    frame["count"] = pd.array(scaled, dtype="Float64")
    frame["unit"] = unit.where(~percent, "share")


def _aggregates_rules(frame: pd.DataFrame, raw: pd.DataFrame, present: Mapping[str, str], out: _Collector) -> None:
    _aggregates_units(frame, raw, present, out)
    _aggregates_status(frame, raw, present, out)


CHILD_COLUMNS = ("children_0_5", "children_6_10", "children_11_13", "children_14_17")


def _households_consistent(frame: pd.DataFrame, raw: pd.DataFrame, present: Mapping[str, str], out: _Collector) -> None:
    """A household has no more children than persons, and no more adults in work than adults."""
    given = [c for c in CHILD_COLUMNS if c in present]
    if not given:
        return
    children = sum(frame[c].astype("float64").fillna(0).to_numpy() for c in given)
    persons = frame["persons"].astype("float64").to_numpy(na_value=np.nan)
    with np.errstate(invalid="ignore"):
        too_many = children > persons
    shown = " + ".join(given)
    out.mask(too_many, "persons", raw[present["persons"]], Reason.inconsistent,
             lambda v: f"persons {_fmt(v)} is fewer than the household's children ({shown}); a household has at least as many persons as children")
    if "adults_in_work" in present:
        adults = persons - children
        work = frame["adults_in_work"].astype("float64").to_numpy(na_value=np.nan)
        with np.errstate(invalid="ignore"):
            bad = (work > adults) & ~too_many
        out.mask(bad, "adults_in_work", raw[present["adults_in_work"]], Reason.inconsistent,
                 lambda v: f"adults_in_work {_fmt(v)} is more than the household's adults (persons minus children)")


def _applications_dates(frame: pd.DataFrame, raw: pd.DataFrame, present: Mapping[str, str], out: _Collector) -> None:
    """The application date is a real date (YYYY-MM-DD) in the application's year."""
    text = frame["date"]
    dates = pd.to_datetime(text.where(text.notna(), None), format="%Y-%m-%d", errors="coerce")
    bad = text.notna().to_numpy() & dates.isna().to_numpy()
    out.mask(bad, "date", raw[present["date"]], Reason.wrong_type,
             lambda v: f"date {_fmt(v)} is not a date written YYYY-MM-DD")
    years = frame["year"].astype("float64").to_numpy(na_value=np.nan)
    with np.errstate(invalid="ignore"):
        other_year = ~bad & dates.notna().to_numpy() & (dates.dt.year.to_numpy(dtype=float, na_value=np.nan) != years)
    out.mask(other_year, "date", raw[present["date"]], Reason.inconsistent,
             lambda v: f"date {_fmt(v)} does not lie in the application's year")


def _figures_rules(frame: pd.DataFrame, raw: pd.DataFrame, present: Mapping[str, str], out: _Collector) -> None:
    """A figure id is a lowercase identifier; a numerator is at most its
    denominator; a suppressed row has no numerator, and a missing status follows it."""
    ids = frame["figure"].astype("str")
    bad_id = frame["figure"].notna().to_numpy() & ~ids.str.fullmatch(r"[a-z][a-z0-9_]*").fillna(False).to_numpy(dtype=bool)
    out.mask(bad_id, "figure", raw[present["figure"]] if "figure" in present else frame["figure"], Reason.not_allowed,
             lambda v: f"figure {_fmt(v)} is not a lowercase id (letters, digits, _; e.g. turnout_share)")
    num = frame["numerator"].astype("float64").to_numpy(na_value=np.nan)
    den = frame["denominator"].astype("float64").to_numpy(na_value=np.nan)
    with np.errstate(invalid="ignore"):
        above = num > den
    if "numerator" in present:
        out.mask(above, "numerator", raw[present["numerator"]], Reason.inconsistent,
                 lambda v: f"numerator {_fmt(v)} is more than the row's denominator; a figure counts a part of its denominator")
    status = frame["status"]
    derived = pd.Series(np.where(np.isnan(num), "suppressed", "published"), index=frame.index, dtype="str")
    if "status" in present:
        hidden = (status == "suppressed").fillna(False).to_numpy() & ~np.isnan(num)
        out.mask(hidden, "status", raw[present["status"]], Reason.inconsistent,
                 lambda v: "status is 'suppressed' but a numerator is given; leave it empty or mark it published")
        shown = (status == "published").fillna(False).to_numpy() & np.isnan(num)
        out.mask(shown, "status", raw[present["status"]], Reason.inconsistent,
                 lambda v: "status is 'published' but the numerator is empty; give it or mark it suppressed")
    frame["status"] = status.where(status.notna(), derived)


#: Cross-column rules per table, run after the column checks.
TABLE_RULES: dict[str, Callable] = {
    "aggregates": _aggregates_rules,
    "area_figures": _figures_rules,
    "households": _households_consistent,
    "housing_applications": _applications_dates,
}


def check_frame(
    frame: pd.DataFrame,
    contract: Contract,
    *,
    source: str = "<frame>",
    rows=None,
    decimal: str | None = None,
    references: Mapping[str, Collection] | None = None,
    extra: str = "ignore",
) -> Checked:
    """Run every check of ``contract`` over ``frame``; return the typed table and all failures.

    ``rows`` are the source row numbers (default 1, 2, ...); ``decimal`` the
    decimal mark (``None``: decided per column); ``references`` maps
    ``"table.column"`` to the known values of a referenced column (a reference
    whose table is not given is not checked, except a table's reference to
    itself); ``extra="error"`` makes unknown columns failures instead of
    ignoring them.

    >>> from kvarter.io.contracts import contract
    >>> df = pd.DataFrame({"school_id": ["S1", "S1", "S2"], "name": ["Nørre", "Øst", ""],
    ...                    "municipality": ["101"] * 3})
    >>> checked = check_frame(df, contract("schools"), source="skoler.csv")
    >>> for f in checked.failures:
    ...     print(f.row, f.column, f.reason.value, "-", f.message)
    1 school_id duplicate_id - duplicate id (school_id='S1'): also in row(s) 2
    2 school_id duplicate_id - duplicate id (school_id='S1'): also in row(s) 1
    3 name missing_value - name is empty; a value is required
    """
    if extra not in ("ignore", "error"):
        raise ValueError(f"extra must be 'ignore' or 'error', got {extra!r}")
    n = len(frame)
    rows = np.arange(1, n + 1, dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
    out = _Collector(source, rows)
    present, unknown = match_columns(frame.columns, contract)
    for name, raws in _repeated_columns(frame.columns, contract).items():
        shown = " and ".join(repr(r) for r in raws)
        out.add(name, None, Reason.duplicate_column,
                f"columns {shown} both give the column {name}; keep one, or rename the other")
    if extra == "error":
        for c in unknown:
            out.add(c, None, Reason.unknown_column,
                    f"column {c!r} is not in the {contract.table} contract (columns: {', '.join(contract.names)})")
    for col in contract.columns:
        if col.required and col.name not in present:
            out.add(col.name, None, Reason.missing_column,
                    f"required column {col.name!r} is missing; the file has {', '.join(map(repr, frame.columns)) or 'no columns'}")
    if n == 0:
        out.add(None, None, Reason.empty_table, f"the {contract.table} table has no data rows")
    typed: dict[str, pd.Series] = {}
    for col in contract.columns:
        if col.name in present:
            raw = frame[present[col.name]].reset_index(drop=True)
            typed[col.name] = _check_column(raw, col, out, decimal)
        else:
            typed[col.name] = pd.Series([None] * n, dtype=DTYPES[col.type])
    result = pd.DataFrame(typed)
    raw_frame = frame.reset_index(drop=True)
    if contract.primary_key and all(k in present for k in contract.primary_key):
        _check_duplicates(result, contract.primary_key, rows, out)
    _check_references(result, raw_frame, contract, references or {}, present, out)
    rule = TABLE_RULES.get(contract.table)
    if rule is not None:
        rule(result, raw_frame, present, out)
    failures = sorted(out.failures, key=lambda f: (f.row is not None, f.row or 0))
    return Checked(result, rows, failures, [c for c in contract.names if c in present], unknown)


def validate_frame(frame: pd.DataFrame, contract: Contract, **kwargs) -> Checked:
    """Like :func:`check_frame`, but raise one :class:`~kvarter.errors.InputErrors` if anything failed.

    >>> from kvarter.io.contracts import contract
    >>> df = pd.DataFrame({"unit_id": ["GM0518"], "unit_kind": ["municipality"], "year": ["2019"],
    ...                    "variable": ["inhabitants"], "category": ["total"], "count": ["-5"]})
    >>> validate_frame(df, contract("aggregates"), source="kwb.csv")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputErrors: kwb.csv failed validation with 1 failure(s) (1 negative_count); nothing was stored. First: row 1, column 'count': count '-5' is a negative count; counts must be >= 0
    """
    checked = check_frame(frame, contract, **kwargs)
    if checked.failures:
        raise InputErrors(checked.failures, source=kwargs.get("source", "<frame>"))
    return checked
