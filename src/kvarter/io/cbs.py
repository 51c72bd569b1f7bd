"""Reshape a wide table of counts per unit (one column per variable and category)
into the long ``aggregates`` table, keeping suppressed cells as suppressed.

Statistics offices publish neighbourhood figures wide: one row per area, one
column per count. :func:`wide_to_aggregates` turns such a table into one row
per unit, variable and category, driven by a small :class:`WideMapping`.
:data:`CBS_KWB_2019` is the mapping for Statistics Netherlands' "Kerncijfers
wijken en buurten 2019" (table 84583NED), whose CSV export is UTF-8 with a
BOM, semicolon-separated, with every value quoted and space-padded and ``.``
where CBS suppressed a cell. Such a cell becomes ``count`` empty and
``status`` ``suppressed`` — never zero, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kvarter.errors import Failure, InputErrors, Reason
from kvarter.io.readers import SourceTable


@dataclass(frozen=True)
class WideMapping:
    """How a wide table maps onto aggregates rows.

    ``id_column`` holds the unit code, ``kind_column`` the unit's kind (its
    values translated by ``kinds``), ``name_column`` the unit name (optional),
    ``year`` the reference year of the whole table, ``counts`` maps each count
    column to its ``(variable, category)``, and a cell equal to one of
    ``suppressed`` markers is a suppressed count.
    """

    id_column: str
    kind_column: str
    kinds: dict[str, str]
    year: int
    counts: dict[str, tuple[str, str]]
    name_column: str | None = None
    suppressed: tuple[str, ...] = (".",)
    description: str = ""
    notes: list[str] = field(default_factory=list)


#: Statistics Netherlands, Kerncijfers wijken en buurten 2019 (84583NED).
#: Education level counts persons aged 15-75 (CBS' definition); origin counts
#: persons with a western or non-western migration background (the rest have
#: a Dutch background and are not a column of the table).
CBS_KWB_2019 = WideMapping(
    id_column="WijkenEnBuurten",
    kind_column="SoortRegio_2",
    kinds={"Gemeente": "municipality", "Wijk": "district", "Buurt": "neighbourhood"},
    year=2019,
    counts={
        "AantalInwoners_5": ("inhabitants", "total"),
        "Mannen_6": ("sex", "m"),
        "Vrouwen_7": ("sex", "f"),
        "k_0Tot15Jaar_8": ("age_band", "0-14"),
        "k_15Tot25Jaar_9": ("age_band", "15-24"),
        "k_25Tot45Jaar_10": ("age_band", "25-44"),
        "k_45Tot65Jaar_11": ("age_band", "45-64"),
        "k_65JaarOfOuder_12": ("age_band", "65+"),
        "WestersTotaal_17": ("origin", "western"),
        "NietWestersTotaal_18": ("origin", "non_western"),
        "OpleidingsniveauLaag_64": ("education_level", "low"),
        "OpleidingsniveauMiddelbaar_65": ("education_level", "middle"),
        "OpleidingsniveauHoog_66": ("education_level", "high"),
    },
    description="CBS Kerncijfers wijken en buurten 2019 (84583NED)",
)

#: Wide formats by the name given to ``kvarter load --format``.
WIDE_FORMATS: dict[str, WideMapping] = {"cbs": CBS_KWB_2019}


def wide_to_aggregates(table: SourceTable, mapping: WideMapping) -> SourceTable:
    """Reshape a wide :class:`SourceTable` into aggregates rows (as text, for validation).

    Each output row keeps the file row of the unit it came from, so a bad
    count is reported at its line in the original file. Units come first,
    then the count columns in mapping order. Missing mapping columns raise
    :class:`~kvarter.errors.InputErrors` naming every one of them; count
    columns not in the mapping are left out and named in ``notes``.

    >>> import numpy as np
    >>> wide = pd.DataFrame({"code": ["BU01", "BU02"], "soort": ["Buurt", "Buurt"],
    ...                      "n": ["120", "."]})
    >>> m = WideMapping("code", "soort", {"Buurt": "neighbourhood"}, 2019, {"n": ("inhabitants", "total")})
    >>> long = wide_to_aggregates(SourceTable(wide, np.array([1, 2]), "kwb.csv", "csv", ""), m)
    >>> long.frame[["unit_id", "variable", "count", "status"]].values.tolist()
    [['BU01', 'inhabitants', '120', 'published'], ['BU02', 'inhabitants', nan, 'suppressed']]
    """
    frame = table.frame
    needed = [mapping.id_column, mapping.kind_column, *mapping.counts]
    if mapping.name_column:
        needed.append(mapping.name_column)
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        have = ", ".join(map(repr, frame.columns))
        raise InputErrors(
            [
                Failure(table.source, None, c, None, Reason.missing_column,
                        f"column {c!r} of the {mapping.description or 'wide'} layout is missing; the file has {have}")
                for c in missing
            ],
            source=table.source,
        )
    n_units = len(frame)
    ids = frame[mapping.id_column].astype("str").str.strip()
    kinds_raw = frame[mapping.kind_column].astype("str").str.strip()
    kinds = kinds_raw.map(lambda k: mapping.kinds.get(k, k))
    names = (
        frame[mapping.name_column].astype("str").str.strip()
        if mapping.name_column
        else pd.Series([None] * n_units, dtype="str")
    )
    parts = []
    for column, (variable, category) in mapping.counts.items():
        raw = frame[column].astype("str").str.strip()
        suppressed = raw.isin(mapping.suppressed).to_numpy()
        parts.append(
            pd.DataFrame(
                {
                    "unit_id": ids.to_numpy(),
                    "unit_kind": kinds.to_numpy(),
                    "unit_name": names.to_numpy(),
                    "year": str(mapping.year),
                    "variable": variable,
                    "category": category,
                    "count": np.where(suppressed, None, raw.to_numpy()),
                    "status": np.where(suppressed, "suppressed", "published"),
                }
            )
        )
    long = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    rows = np.tile(np.asarray(table.rows), len(mapping.counts))
    ignored = [c for c in frame.columns if c not in needed]
    notes = [f"columns not in the {mapping.description or 'mapping'}: {', '.join(ignored)}"] if ignored else []
    return SourceTable(long, rows, table.source, table.format, table.sha256, table.dialect, notes)
