"""Additive structure between the rows of a published table.

A :class:`Relation` says that the persons (and numerators, and sums) of a
``total`` row are the sum of those of its ``parts``. When ``complete`` is
false the parts do not cover the total: the remainder is itself a group of
persons that nobody published but anyone can compute as a difference (a
housing area inside an urban area, a school district cut from a municipality).
Areas that partition a municipality, categories that sum to a total
(employed + unemployed + outside = all 18-64) and nested hierarchies are all
relations of this kind; suppression and attack both read them. A relation
may also subtract rows (``minus``) and may hold for the persons only
(``persons_only``): indicators over different age bands of one unit and year
tie their counts together so (15-64 = 18-64 + 15+ - 18+, see
:func:`identity`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import pandas as pd

from kvarter.errors import InputError


def _as_key(value) -> tuple:
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value,)


def norm_key(key: tuple) -> tuple[str, ...]:
    """A key with every value as text, so keys match after a CSV round trip.

    >>> norm_key((2023, "A"))
    ('2023', 'A')
    """
    out = []
    for v in key:
        t = type(v)
        if t is str:  # most values of most keys: nothing to do
            out.append(v)
            continue
        if t is int:
            out.append(str(v))
            continue
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        elif hasattr(v, "item"):  # numpy scalars
            v = v.item()
            if isinstance(v, float) and v.is_integer():
                v = int(v)
        out.append(str(v))
    return tuple(out)


@dataclass(frozen=True)
class Relation:
    """``total = sum(parts) - sum(minus)`` (``complete``), or that plus a hidden remainder.

    Keys are tuples of the table's key values in key-column order; a scalar is
    taken as a 1-tuple. ``persons_only``: the relation binds the rows'
    persons, not their numerators or sums.

    >>> r = Relation("Demoby 2023", ("Demoby", 2023), [("A", 2023), ("B", 2023)])
    >>> r.parts
    (('A', 2023), ('B', 2023))
    >>> Relation.from_dict(r.to_dict()) == r
    True
    """

    name: str
    total: tuple
    parts: tuple = field(default_factory=tuple)
    complete: bool = True
    minus: tuple = field(default_factory=tuple)
    persons_only: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", _as_key(self.total))
        parts = tuple(_as_key(p) for p in self.parts)
        minus = tuple(_as_key(p) for p in self.minus)
        object.__setattr__(self, "parts", parts)
        object.__setattr__(self, "minus", minus)
        if not parts:
            raise InputError(f"Relation {self.name!r} has no parts; it needs at least one.")
        members = list(map(norm_key, parts + minus))
        if len(set(members)) != len(members):
            raise InputError(f"Relation {self.name!r} lists a part twice: {list(parts + minus)!r}.")
        if norm_key(self.total) in set(members):
            raise InputError(f"Relation {self.name!r} lists its total {self.total!r} among its parts.")

    def to_dict(self) -> dict:
        """Plain values for the JSON written beside a published file (``minus``
        and ``persons_only`` only when used, so plain relations read as before)."""
        out = {
            "name": self.name,
            "total": [_plain(v) for v in self.total],
            "parts": [[_plain(v) for v in p] for p in self.parts],
            "complete": self.complete,
        }
        if self.minus:
            out["minus"] = [[_plain(v) for v in p] for p in self.minus]
        if self.persons_only:
            out["persons_only"] = True
        return out

    @classmethod
    def from_dict(cls, d: Mapping) -> "Relation":
        """Inverse of :meth:`to_dict`."""
        return cls(d["name"], tuple(d["total"]), tuple(tuple(p) for p in d["parts"]), bool(d["complete"]),
                   tuple(tuple(p) for p in d.get("minus", ())), bool(d.get("persons_only", False)))


def _plain(v):
    return v.item() if hasattr(v, "item") else v


def partition(name: str, total, parts: list) -> Relation:
    """Parts that together make up the total exactly (areas of a municipality).

    >>> partition("Demoby", "Demoby", ["A", "B"]).complete
    True
    """
    return Relation(name, total, tuple(parts), complete=True)


def overlap(name: str, outer, inner) -> Relation:
    """Rows inside a larger row; the difference is an unpublished group of persons.

    ``inner`` is one key or a list of keys.

    >>> overlap("Nordby", "Nordby", ["Parken"]).complete
    False
    """
    inner = inner if isinstance(inner, list) else [inner]
    return Relation(name, outer, tuple(inner), complete=False)


def identity(name: str, total, plus: list, minus: list) -> Relation:
    """Persons of ``total`` = persons of ``plus`` - persons of ``minus`` (one
    unit and year, several indicators): 15-64 = 18-64 + (15+ - 18+).

    >>> r = identity("aged 15-64 A 2024", "15-64", ["18-64", "15+"], ["18+"])
    >>> r.minus, r.persons_only, Relation.from_dict(r.to_dict()) == r
    ((('18+',),), True, True)
    """
    return Relation(name, total, tuple(plus), complete=True, minus=tuple(minus), persons_only=True)


def hierarchy_relations(
    table: pd.DataFrame,
    key: Sequence[str],
    column: str,
    children: Mapping[object, Sequence],
    *,
    complete: bool = True,
) -> list[Relation]:
    """One relation per parent in ``children`` and per combination of the other keys.

    ``column`` is the key column the hierarchy lives in (area, or a category
    column); the other key columns (year, indicator) are held fixed. A parent
    whose row is missing is skipped; when a child row is missing the relation
    becomes incomplete, since the missing child is then an unpublished group.
    Names read "<parent> <other key values>", e.g. "Demoby 2023".

    >>> t = pd.DataFrame({"area": ["Demoby", "A", "B", "Demoby", "A"],
    ...                   "year": [2023, 2023, 2023, 2024, 2024]})
    >>> for r in hierarchy_relations(t, ["area", "year"], "area", {"Demoby": ["A", "B"]}):
    ...     print(r.name, r.total, r.parts, r.complete)
    Demoby 2023 ('Demoby', 2023) (('A', 2023), ('B', 2023)) True
    Demoby 2024 ('Demoby', 2024) (('A', 2024),) False
    """
    key = list(key)
    if column not in key:
        raise InputError(f"hierarchy_relations: column {column!r} is not one of the key columns {key!r}.")
    pos = key.index(column)
    others = [c for c in key if c != column]
    present = {norm_key(tuple(r)) for r in table[key].itertuples(index=False, name=None)}
    if others:
        combos = list(dict.fromkeys(table[others].itertuples(index=False, name=None)))
    else:
        combos = [()]
    out: list[Relation] = []
    for combo in combos:
        for parent, kids in children.items():
            def full(v, combo=combo):
                vals = list(combo)
                vals.insert(pos, v)
                return tuple(_plain(x) for x in vals)

            total = full(parent)
            if norm_key(total) not in present:
                continue
            parts = [full(k) for k in kids if norm_key(full(k)) in present]
            if not parts:
                continue
            is_complete = complete and len(parts) == len(kids)
            name = " ".join(str(_plain(v)) for v in (parent, *combo))
            out.append(Relation(name, total, tuple(parts), complete=is_complete))
    return out
