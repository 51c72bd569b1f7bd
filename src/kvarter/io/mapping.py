"""Column mapping at load: rename a file's columns to the contract's and add constant columns.

Real files rarely use kvarter's column names: Copenhagen's layer of deprived
urban areas calls its id ``ogc_fid`` and its name ``delomraade`` and has no
municipality column at all, because every row is in København. A
:class:`ColumnMapping` says so once — ``rename`` maps a file column to the
contract column(s) it gives, ``constants`` adds a column with one value on
every row — and :func:`apply_mapping` turns the read table into one the
contract knows, before validation, so that errors still name the file's own
rows. The command line spells the same as ``--rename ogc_fid=area_id
--set municipality=København`` (:meth:`ColumnMapping.from_options`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kvarter.errors import Failure, InputError, InputErrors, Reason
from kvarter.io.readers import SourceTable


def _key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


@dataclass(frozen=True)
class ColumnMapping:
    """How a file's columns become a contract's: ``rename`` and ``constants``.

    ``rename`` is a sequence of ``(file column, new name)`` pairs; one file
    column may give several new columns (``area`` as both ``area_id`` and
    ``name``). ``constants`` is a sequence of ``(column, value)`` pairs. A
    renamed file column is found by its exact name, else by its name with case,
    spaces and hyphens ignored.

    >>> m = ColumnMapping.of(rename={"ogc_fid": "area_id", "delomraade": "name"}, constants={"kind": "urban_area"})
    >>> m.rename, m.constants
    ((('ogc_fid', 'area_id'), ('delomraade', 'name')), (('kind', 'urban_area'),))
    >>> bool(ColumnMapping())
    False
    """

    rename: tuple[tuple[str, str], ...] = ()
    constants: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.rename or self.constants)

    @classmethod
    def of(
        cls,
        rename: Mapping[str, str | Iterable[str]] | Iterable[tuple[str, str]] | None = None,
        constants: Mapping[str, object] | Iterable[tuple[str, object]] | None = None,
    ) -> "ColumnMapping":
        """A mapping from dicts (``{"ogc_fid": "area_id"}``, a list of targets for several) or pairs."""
        pairs: list[tuple[str, str]] = []
        items = rename.items() if isinstance(rename, Mapping) else (rename or ())
        for src, dst in items:
            for target in [dst] if isinstance(dst, str) else list(dst):
                pairs.append((str(src), str(target)))
        items = constants.items() if isinstance(constants, Mapping) else (constants or ())
        consts = tuple((str(k), str(v)) for k, v in items)
        return cls(tuple(pairs), consts)

    @classmethod
    def from_options(cls, rename: Iterable[str] = (), set: Iterable[str] = ()) -> "ColumnMapping":  # noqa: A002
        """A mapping from ``NAME=VALUE`` strings, as the command line's ``--rename`` and ``--set`` give them.

        >>> ColumnMapping.from_options(["ogc_fid=area_id"], ["municipality=København"]).constants
        (('municipality', 'København'),)
        >>> ColumnMapping.from_options(["ogc_fid"])
        Traceback (most recent call last):
        ...
        kvarter.errors.InputError: --rename 'ogc_fid' must be FILE_COLUMN=NEW_NAME, e.g. --rename ogc_fid=area_id.
        """
        return cls(
            tuple(_assignment(r, "--rename", "FILE_COLUMN=NEW_NAME", "ogc_fid=area_id") for r in rename),
            tuple(_assignment(s, "--set", "COLUMN=VALUE", "municipality=København") for s in set),
        )


def _assignment(text: str, option: str, shape: str, example: str) -> tuple[str, str]:
    name, sep, value = str(text).partition("=")
    if not sep or not name.strip() or (option == "--rename" and not value.strip()):
        raise InputError(f"{option} {text!r} must be {shape}, e.g. {option} {example}.")
    return name.strip(), value.strip()


def _find(columns: list[str], wanted: str) -> str | None:
    if wanted in columns:
        return wanted
    hits = [c for c in columns if _key(c) == _key(wanted)]
    return hits[0] if len(hits) == 1 else None


def apply_mapping(table: SourceTable, mapping: ColumnMapping | None) -> SourceTable:
    """``table`` with ``mapping``'s renames and constant columns applied; rows and source unchanged.

    Every problem is collected before raising one
    :class:`~kvarter.errors.InputErrors`: a renamed column the file lacks
    (``missing_column``, listing the file's columns), and a new name or a
    constant column the file already has (``duplicate_column``: kvarter will
    not silently pick one of the two). The table's notes record what was
    mapped, so the load record keeps it.

    >>> import numpy as np, pandas as pd
    >>> t = SourceTable(pd.DataFrame({"ogc_fid": ["1", "2"], "delomraade": ["Ryparken", "Nordvest"]}),
    ...                 np.array([1, 2]), "kk.geojson", "geojson", "")
    >>> m = ColumnMapping.of({"ogc_fid": "area_id", "delomraade": "name"}, {"municipality": "København"})
    >>> out = apply_mapping(t, m)
    >>> out.frame.to_dict("list")
    {'area_id': ['1', '2'], 'name': ['Ryparken', 'Nordvest'], 'municipality': ['København', 'København']}
    >>> out.notes
    ["renamed ogc_fid → area_id, delomraade → name; set municipality = 'København'"]
    >>> apply_mapping(t, ColumnMapping.of({"fid": "area_id"}))
    Traceback (most recent call last):
    ...
    kvarter.errors.InputErrors: kk.geojson failed validation with 1 failure(s) (1 missing_column); nothing was stored. First: file, column 'fid': --rename fid=area_id: the file has no column 'fid'; it has 'ogc_fid', 'delomraade'
    """
    if not mapping:
        return table
    frame = table.frame
    columns = [str(c) for c in frame.columns]
    have = ", ".join(map(repr, columns)) or "no columns"
    failures: list[Failure] = []
    found: list[tuple[str, str]] = []
    for src, dst in mapping.rename:
        col = _find(columns, src)
        if col is None:
            failures.append(Failure(table.source, None, src, None, Reason.missing_column,
                                    f"--rename {src}={dst}: the file has no column {src!r}; it has {have}"))
        else:
            found.append((col, dst))
    moved = {src for src, _ in found}
    kept = [c for c in columns if c not in moved]
    new_names = [dst for _, dst in found] + [k for k, _ in mapping.constants]
    for name in dict.fromkeys(new_names):
        clash = [c for c in kept if _key(c) == _key(name)]
        given = new_names.count(name)
        if clash:
            what = "the file already has the column " + " and ".join(map(repr, clash))
        elif given > 1:
            what = f"the mapping gives it {given} times"
        else:
            continue
        failures.append(Failure(
            table.source, None, name, None, Reason.duplicate_column,
            f"mapping to column {name!r}: {what}; rename that one too, or leave {name!r} out of the mapping",
        ))
    if failures:
        raise InputErrors(failures, source=table.source)
    out = frame[kept].copy()
    for src, dst in found:
        out[dst] = frame[src].to_numpy()
    for name, value in mapping.constants:
        out[name] = value
    said = []
    if found:
        said.append("renamed " + ", ".join(f"{s} → {d}" for s, d in found))
    if mapping.constants:
        said.append("set " + ", ".join(f"{k} = {v!r}" for k, v in mapping.constants))
    return SourceTable(out.reset_index(drop=True), table.rows, table.source, table.format, table.sha256,
                       table.dialect, [*table.notes, "; ".join(said)])
