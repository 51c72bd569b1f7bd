"""Table contracts: what a persons, areas, schools or aggregates table must hold.

A contract is a versioned YAML file (``kind: contract``, ``table``, ``version``,
``primary_key`` and ``columns``) validated by the Pydantic models here. Each
column declares its ``type`` (string, integer, number, boolean), whether it is
``required`` (the column must be present) and ``nullable`` (its cells may be
empty), and optionally ``allowed`` codes, a ``min``/``max`` range, a
``references: table.column`` foreign key and ``count: true`` for counts (a
negative value is then a ``negative_count``); ``extensible: true`` lets users
add their own codes beside the ``allowed`` ones (any lowercase identifier,
such as an area kind ``sogn`` or ``buurt``), and ``format: geojson`` with
``geometry_types`` makes a text column GeoJSON geometry that is checked as
such (see :mod:`kvarter.io.geometry`). The built-in contracts live in
``kvarter/io/contracts/*.yaml``; :func:`contract` returns them.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kvarter.errors import RuleError

#: The built-in tables, in the order they are best loaded (referenced tables first).
TABLES: tuple[str, ...] = (
    "areas", "schools", "persons", "aggregates",
    # the housing analyses' tables (kvarter.housing)
    "dwellings", "households", "housing_applications", "start_loans", "instrument_use",
    "settlement_requests", "housing_market", "social_housing_stock",
    # figures from outside the registers (surveys, club membership, noise maps, elections)
    "area_figures",
)

ColumnType = Literal["string", "integer", "number", "boolean"]


class Column(BaseModel):
    """One column of a contract.

    >>> Column(name="age", type="integer", min=0, max=120).max
    120.0
    >>> Column(name="age", type="integer", min=5, max=1)
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Column
    ...
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    type: ColumnType
    required: bool = False
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    references: str | None = Field(None, pattern=r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")
    count: bool = False
    format: Literal["geojson"] | None = None
    geometry_types: tuple[str, ...] | None = None
    extensible: bool = False
    help: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> "Column":
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        if self.allowed is not None and self.type != "string":
            raise ValueError(f"allowed codes need type string, not {self.type}")
        if self.extensible and self.allowed is None:
            raise ValueError("extensible needs allowed codes to extend")
        if (self.format is not None or self.geometry_types is not None) and self.type != "string":
            raise ValueError(f"format and geometry_types need type string, not {self.type}")
        if self.geometry_types is not None and self.format != "geojson":
            raise ValueError("geometry_types needs format: geojson")
        if (self.min is not None or self.max is not None or self.count) and self.type not in (
            "integer",
            "number",
        ):
            raise ValueError(f"min, max and count need type integer or number, not {self.type}")
        return self


class Contract(BaseModel):
    """A table contract: versioned header plus columns.

    >>> c = contract("areas")
    >>> c.table, c.version, c.primary_key
    ('areas', 2, ('area_id',))
    >>> c.column("kind").allowed[:2]
    ('housing_department', 'housing_area')
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["contract"]
    table: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    version: int = Field(ge=1)
    description: str = ""
    primary_key: tuple[str, ...] = ()
    columns: tuple[Column, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _keys_exist(self) -> "Contract":
        names = [c.name for c in self.columns]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"column(s) declared twice: {', '.join(dupes)}")
        for key in self.primary_key:
            if key not in names:
                raise ValueError(f"primary key column {key!r} is not among the columns")
            col = self.column(key)
            if not col.required or col.nullable:
                raise ValueError(f"primary key column {key!r} must be required and not nullable")
        return self

    @property
    def names(self) -> list[str]:
        """Column names in contract order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """The column called ``name`` (KeyError if the contract has none)."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"contract {self.table!r} has no column {name!r}")


def _location(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def parse_contract(data: object, source: str = "<contract>") -> Contract:
    """Validate a parsed YAML mapping as a :class:`Contract`.

    Errors are :class:`~kvarter.errors.RuleError` naming the file, the path
    inside it, the value found and what was expected.

    >>> parse_contract({"kind": "contract", "table": "t", "version": 1,
    ...                 "columns": [{"name": "x", "type": "text"}]}, "t.yaml")
    Traceback (most recent call last):
    ...
    kvarter.errors.RuleError: Invalid contract t.yaml @ columns.0.type: 'text' — expected one of 'string', 'integer', 'number' or 'boolean'
    """
    try:
        return Contract.model_validate(data)
    except ValidationError as exc:
        parts = []
        errors = exc.errors()
        for err in errors:
            loc = _location(err["loc"])
            deeper = [e for e in errors if len(e["loc"]) > len(err["loc"]) and e["loc"][: len(err["loc"])] == err["loc"]]
            if err["type"] == "too_short" and deeper:
                continue  # a list emptied only by its own invalid items
            if err["type"] == "literal_error":
                expected = err["ctx"]["expected"]
                parts.append(f"{loc}: {err['input']!r} — expected one of {expected}")
            elif err["type"] == "value_error":
                parts.append(f"{loc}: {err['msg'].removeprefix('Value error, ')}")
            else:
                parts.append(f"{loc}: {err['input']!r} — {err['msg']}")
        raise RuleError(f"Invalid contract {source} @ " + "; ".join(parts)) from None


def load_contract(path: str | Path) -> Contract:
    """Read and validate a contract YAML file.

    >>> load_contract(Path(__file__).with_name("contracts") / "schools.yaml").primary_key
    ('school_id',)
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleError(f"Cannot read contract {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise RuleError(f"Invalid YAML in contract {path}{where}: {exc}") from None
    return parse_contract(data, str(path))


@cache
def contract(table: str) -> Contract:
    """The built-in contract of ``table`` (one of :data:`TABLES`).

    >>> contract("persons").column("origin").allowed
    ('native', 'western', 'non_western')
    >>> contract("pupils")
    Traceback (most recent call last):
    ...
    kvarter.errors.RuleError: No contract for table 'pupils'; kvarter has contracts for 'areas', 'schools', 'persons', 'aggregates', ...
    """
    if table not in TABLES:
        known = ", ".join(repr(t) for t in TABLES)
        raise RuleError(f"No contract for table {table!r}; kvarter has contracts for {known}.")
    path = resources.files("kvarter.io").joinpath("contracts", f"{table}.yaml")
    loaded = load_contract(Path(str(path)))
    if loaded.table != table:
        raise RuleError(f"Contract {path} declares table {loaded.table!r}, expected {table!r}.")
    return loaded
