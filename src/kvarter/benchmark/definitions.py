"""Groupings as data: size-class bands and fixed groupings (such as Statistics
Norway's KOSTRA groups) as versioned YAML validated by Pydantic, and the
files a user brings — a unit → group mapping, or named groups of members.

Every error names the file, the row (1-based data row of a CSV, the header
is row 0; the path inside a YAML file) and the value.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal, Optional

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kvarter.errors import Failure, InputErrors, Reason, RuleError

GROUPINGS_DIR = Path(__file__).parent / "groupings"
BUILTIN_GROUPINGS = {"kostra_2020": GROUPINGS_DIR / "kostra_2020.yaml"}
SIZE_CLASSES_FILE = GROUPINGS_DIR / "size_classes.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(_Model):
    """Where a definition comes from."""

    document: str
    url: str = ""
    in_force: Optional[dt.date] = None
    note: str = ""


class Band(_Model):
    """Units with ``min <= population <= max`` (no ``max``: no upper bound)."""

    code: str
    label: str
    min: float = Field(ge=0)
    max: Optional[float] = None

    @model_validator(mode="after")
    def _ordered(self):
        if self.max is not None and self.max < self.min:
            raise ValueError(f"band {self.code!r}: max {self.max} is below min {self.min}")
        return self


class SizeClass(_Model):
    """A documented set of population bands."""

    title: str
    source: Source
    bands: list[Band]

    @model_validator(mode="after")
    def _no_overlap(self):
        bands = sorted(self.bands, key=lambda b: b.min)
        for a, b in zip(bands, bands[1:]):
            if a.max is None or a.max >= b.min:
                raise ValueError(f"bands {a.code!r} and {b.code!r} overlap")
        return self


class SizeClasses(_Model):
    """The file of built-in size classes."""

    kind: Literal["size_classes"]
    version: int
    classes: dict[str, SizeClass]


class Range(_Model):
    min: float = Field(ge=0)
    max: Optional[float] = None


class GroupDefinition(_Model):
    """One group of a fixed grouping and the criteria that define it."""

    id: str
    label: str = ""
    population: Optional[Range] = None
    bound_costs: Optional[Literal["low", "medium", "high"]] = None
    free_disposable_income: list[Literal["low", "medium", "high"]] = Field(default_factory=list)
    municipalities: Optional[int] = Field(None, ge=0)

    def describe(self) -> str:
        """A one-line description of the group's criteria."""
        parts = [self.label] if self.label else []
        if self.population is not None:
            hi = f"{self.population.max:,.0f}" if self.population.max is not None else "more"
            parts.append(f"population {self.population.min:,.0f}-{hi}")
        if self.bound_costs:
            parts.append(f"{self.bound_costs} bound costs")
        if self.free_disposable_income:
            parts.append(f"{' or '.join(self.free_disposable_income)} free disposable income")
        return ", ".join(parts)


class Grouping(_Model):
    """A fixed grouping: versioned definitions of its groups."""

    kind: Literal["grouping"]
    version: int
    id: str
    title: str
    source: Source
    criteria: list[str] = Field(default_factory=list)
    groups: list[GroupDefinition]

    @model_validator(mode="after")
    def _unique(self):
        ids = [g.id for g in self.groups]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"group id(s) defined twice: {', '.join(dup)}")
        return self

    def table(self) -> pd.DataFrame:
        """The definitions as a table: group, description, municipalities."""
        return pd.DataFrame({"group": [g.id for g in self.groups],
                             "description": [g.describe() for g in self.groups],
                             "municipalities": [g.municipalities for g in self.groups]})


def _read_yaml(path: Path, model):
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RuleError(f"Cannot read {path}: {exc}") from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RuleError(f"Invalid {model.__name__} in {path} @ {where}: {first['msg']} "
                        f"(got {first.get('input')!r})") from None


def load_size_classes(path: str | Path | None = None) -> SizeClasses:
    """Load size-class bands (the built-in CBS and Norwegian bands by default).

    >>> sorted(load_size_classes().classes)
    ['cbs_gemeentegrootte', 'no_kostra_2020']
    >>> load_size_classes().classes["cbs_gemeentegrootte"].bands[3].label
    '20,000 to 49,999'
    """
    return _read_yaml(Path(path) if path is not None else SIZE_CLASSES_FILE, SizeClasses)


def load_grouping(name_or_path: str | Path = "kostra_2020") -> Grouping:
    """Load a fixed grouping's definitions: a built-in name or a YAML file.

    >>> g = load_grouping("kostra_2020")
    >>> len(g.groups), sum(d.municipalities for d in g.groups)
    (17, 356)
    >>> g.groups[7].describe()
    'population 10,000-19,999, low bound costs, medium or high free disposable income'
    """
    path = BUILTIN_GROUPINGS.get(str(name_or_path), Path(name_or_path))
    return _read_yaml(path, Grouping)


def read_table(path: str | Path) -> pd.DataFrame:
    """A small CSV (``,`` or ``;``) or YAML groups file as text columns.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "g.csv")
    >>> _ = open(p, "w").write("unit;group\\nA;1\\n")
    >>> read_table(p).values.tolist()
    [['A', '1']]
    """
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise RuleError(f"Cannot read {path}: {exc}") from None
        groups = raw.get("groups") if isinstance(raw, dict) else None
        if not isinstance(groups, dict):
            raise RuleError(f"{path} must have a 'groups' mapping of group name -> list of member units.")
        rows = []
        for name, members in groups.items():
            if not isinstance(members, list):
                raise RuleError(f"Invalid groups file {path} @ groups.{name}: expected a list of units, "
                                f"got {members!r}")
            rows += [{"group": str(name), "unit": str(m)} for m in members]
        out = pd.DataFrame(rows, columns=["group", "unit"])
        # a YAML file's "row" is the member's position in the file's groups, counted from 1
        out.attrs["rows"] = list(range(1, len(out) + 1))
        return out[["unit", "group"]]
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise RuleError(f"Cannot read {path}: {exc}") from None
    sep = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    from io import StringIO

    out = pd.read_csv(StringIO(text), sep=sep, dtype=str, keep_default_na=False).apply(lambda c: c.str.strip())
    out.columns = [c.strip().lower() for c in out.columns]
    missing = [c for c in ("unit", "group") if c not in out.columns]
    if missing:
        raise InputErrors([Failure(str(path), None, c, None, Reason.missing_column,
                                   f"column {c!r} is missing; the file has {', '.join(map(repr, out.columns))}")
                           for c in missing], source=str(path))
    out.attrs["rows"] = list(range(1, len(out) + 1))
    return out[["unit", "group"]]


def check_membership(table: pd.DataFrame, source: str, known_units=None, known_groups=None) -> pd.DataFrame:
    """Check a unit → group table; raise one :class:`InputErrors` listing every problem.

    Problems: a unit named twice (in two groups of one grouping, or twice in
    one), a unit that is not among ``known_units``, a group that is not among
    ``known_groups``, an empty unit or group.

    >>> t = pd.DataFrame({"unit": ["A", "B", "A"], "group": ["1", "1", "2"]})
    >>> check_membership(t, "peers.csv")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputErrors: peers.csv failed validation with 1 failure(s) (1 duplicate_id); nothing was stored. First: row 3, column 'unit': unit 'A' is in group '2' here and in group '1' at row 1; a unit may belong to one group of a grouping only
    """
    rows = table.attrs.get("rows") or list(range(1, len(table) + 1))
    failures = []
    seen: dict[str, tuple[int, str]] = {}
    known_u = None if known_units is None else {str(u) for u in known_units}
    known_g = None if known_groups is None else {str(g) for g in known_groups}
    for row, unit, group in zip(rows, table["unit"].astype(str), table["group"].astype(str)):
        if not unit or not group:
            failures.append(Failure(source, row, "unit" if not unit else "group", unit or group, Reason.missing_value,
                                    "an empty unit or group"))
            continue
        if unit in seen:
            first_row, first_group = seen[unit]
            failures.append(Failure(source, row, "unit", unit, Reason.duplicate_id,
                                    f"unit {unit!r} is in group {group!r} here and in group {first_group!r} at row "
                                    f"{first_row}; a unit may belong to one group of a grouping only"))
        else:
            seen[unit] = (row, group)
        if known_u is not None and unit not in known_u:
            failures.append(Failure(source, row, "unit", unit, Reason.unknown_area,
                                    f"unit {unit!r} is not among the {len(known_u)} units being benchmarked"))
        if known_g is not None and group not in known_g:
            failures.append(Failure(source, row, "group", group, Reason.not_allowed,
                                    f"group {group!r} is not defined; the grouping has {', '.join(sorted(known_g))}"))
    if failures:
        raise InputErrors(failures, source=source)
    return table
