"""The counting step on the engine: persons per unit x group x year as one Ibis expression.

The indices need only small counts (a few numbers per unit and year), so the
counting runs on the engine where the microdata lie (see
:mod:`kvarter.store.engines`) and only its result comes back to NumPy. The groups are those of
:func:`kvarter.segregation.groups.assign_groups`:

* a categorical theme maps the field's values to groups (anything else is in
  no group);
* a quantile theme ranks the persons with a value nationally per year and
  cuts the ranks into ``q`` equal parts: quantile = floor(r * q / n) + 1 for
  the 0-based rank r among the n persons of the year with a value. A table
  has no row order, so equal values are ranked by municipality, then unit:
  persons who agree on value, municipality and unit are interchangeable for
  every count, so the counts are the same on every engine and in every run
(strings compare by code point on both engines).
  :func:`~kvarter.segregation.pipeline.counts_from_microdata` on a frame
  sorted by (value, municipality, unit) gives exactly these counts.
"""

from __future__ import annotations

import pandas as pd

from kvarter.errors import MissingFieldError
from kvarter.segregation.groups import Theme, ThemeSet
from kvarter.validation import check_columns

#: The unit column of each kind of unit.
UNIT_COLUMNS = {"school": "school_id", "area": "area_id"}


def no_rows_message(units: str) -> str:
    """What to say when no person has a unit of the kind asked for.

    >>> no_rows_message("area")
    'The persons table holds no persons with an area_id; there is nothing to analyse: load persons with an area_id column.'
    """
    what = "pupils (rows with a school_id)" if units == "school" else "persons with an area_id"
    fix = ("load persons with a school_id column, or compare residents across areas instead "
           "(units='area', kvarter segregation --units area)" if units == "school"
           else "load persons with an area_id column")
    return f"The persons table holds no {what}; there is nothing to analyse: {fix}."


def _theme_groups(t, theme: Theme):
    """The group of each row of ``t`` within ``theme`` (NULL outside every group), and the rows it applies to."""
    import ibis

    value = t[theme.field]
    if theme.quantiles is None:
        cases = [(value.cast("string").isin(list(g.values)), name) for name, g in theme.groups.items()]
        return t, ibis.cases(*cases, else_=None)
    ranked = t.filter(value.notnull())
    v = ranked[theme.field]
    order = ibis.window(group_by=ranked.year, order_by=[v, ranked.municipality, ranked.unit])
    r = ibis.row_number().over(order).cast("float64")
    n = ranked.count().over(ibis.window(group_by=ranked.year)).cast("float64")
    q = (r * theme.quantiles / n).floor().cast("int64") + 1
    cases = [(q.isin(list(g.quantiles)), name) for name, g in theme.groups.items()]
    return ranked, ibis.cases(*cases, else_=None)


def count_expression(persons, themes: ThemeSet, units: str = "school"):
    """One Ibis expression over ``persons`` with a row per municipality, year,
    unit and group (``n`` persons), plus each unit's size (``group`` NULL,
    ``kind = "size"``: everyone in the unit, in a group or not).

    >>> import ibis
    >>> from kvarter.segregation.groups import load_themes
    >>> t = ibis.memtable(pd.DataFrame({"year": 2018, "municipality": "M", "school_id": ["s1", "s1", "s2"],
    ...     "origin": ["native", "western", "native"], "household_disposable_income": [1., 2., 3.],
    ...     "parents_education": "basic"}))
    >>> out = count_expression(t, load_themes()).execute()
    >>> out[out.kind == "size"].n.tolist()
    [2, 1]
    """
    import ibis

    unit_col = UNIT_COLUMNS[units]
    needed = ["year", "municipality", unit_col] + [th.field for th in themes.themes]
    check_columns(list(persons.columns), needed, "persons", "analyse_segregation")
    p = persons.filter(persons[unit_col].notnull())
    base = p.select(
        municipality=p.municipality.cast("string"), year=p.year.cast("int64"), unit=p[unit_col].cast("string"),
        **{f: p[f] for f in dict.fromkeys(th.field for th in themes.themes)},
    )
    keys = ["municipality", "year", "unit"]
    parts = [base.group_by(keys).aggregate(n=base.count()).mutate(
        group=ibis.null().cast("string"), kind=ibis.literal("size"), theme=ibis.literal(-1))]
    for i, theme in enumerate(themes.themes):
        rows, group = _theme_groups(base, theme)
        g = rows.select(*keys, group=group).filter(lambda x: x.group.notnull())
        parts.append(g.group_by([*keys, "group"]).aggregate(n=g.count()).mutate(
            kind=ibis.literal("count"), theme=ibis.literal(i)))
    cols = ["municipality", "year", "unit", "group", "n", "kind", "theme"]
    return ibis.union(*[x.select(*cols) for x in parts])


def counts_on_engine(persons, themes: ThemeSet, units: str = "school"):
    """Counts per unit and group, and unit sizes, counted on the engine of ``persons`` (an Ibis table).

    Returns the ``(counts, sizes)`` frames of a
    :class:`~kvarter.segregation.pipeline.UnitCounts`, in the same order as
    :func:`~kvarter.segregation.pipeline.counts_from_microdata` (theme by
    theme, each sorted by municipality, year, unit and group).

    >>> import ibis
    >>> from kvarter.segregation.groups import load_themes
    >>> t = ibis.memtable(pd.DataFrame({"year": 2018, "municipality": "M", "school_id": ["s1", "s1", None],
    ...     "origin": ["native", "western", "native"], "household_disposable_income": [1., 2., 3.],
    ...     "parents_education": "basic"}))
    >>> counts, sizes = counts_on_engine(t, load_themes())
    >>> counts.query("group in ('native', 'western')").to_dict("records")
    [{'municipality': 'M', 'year': 2018, 'unit': 's1', 'group': 'native', 'n': 1}, {'municipality': 'M', 'year': 2018, 'unit': 's1', 'group': 'western', 'n': 1}]
    """
    out = count_expression(persons, themes, units).execute()
    sizes = out[out["kind"] == "size"]
    if not len(sizes):
        raise MissingFieldError(no_rows_message(units))
    keys = ["municipality", "year", "unit"]
    sizes = (sizes[keys + ["n"]].rename(columns={"n": "size"}).sort_values(keys).reset_index(drop=True))
    counts = (out[out["kind"] == "count"].sort_values(["theme", *keys, "group"])[keys + ["group", "n"]]
              .reset_index(drop=True))
    for frame, col in ((sizes, "size"), (counts, "n")):
        frame["year"] = frame["year"].astype("int64")
        frame[col] = frame[col].astype("int64")
        for c in ("municipality", "unit"):
            frame[c] = frame[c].astype(object)
    counts["group"] = counts["group"].astype(object)
    return counts, sizes
