"""Compile indicator definitions into few Ibis aggregations over the microdata.

Every numerator, denominator and population count of every indicator becomes
a conditional sum (``SUM(CASE WHEN ... THEN x END)``) in a single
``group_by(area_id, municipality, year)`` aggregation, so the catalogue is one
pass over the person-years (plus one for the indicators on the 3-year
income, which need a window over each person's years); equal sums (the 18-64
population, say) are computed once. What comes out is small
(areas × years × sums) and :mod:`kvarter.indicators.compute` finishes it:
levels, pooling over years and ratios to a reference.

Semantics shared by every engine:

* a condition on a missing value is false (it is null, and a filter keeps
  only true), so a person with no ``labour_status`` is not "not employed";
* age bands are inclusive;
* ``counting: households`` weights each member by 1 / household_persons, so a
  household counts once (its members share a dwelling, hence an area);
* derived fields: ``household_persons`` is ``household_size`` when the data
  has it, else the number of persons with the same ``household_id`` in the
  year; ``equivalised_income`` = household_disposable_income /
  sqrt(household_persons) (square-root scale); ``equivalised_income_3y`` is
  the mean of a person's equivalised income in years t-2, t-1 and t, missing
  unless all three are observed; ``m2_per_person`` = dwelling_m2 /
  household_persons.

>>> import ibis, pandas as pd
>>> from kvarter.indicators.catalogue import load_catalogue
>>> persons = ibis.memtable(pd.DataFrame({"person_id": ["a", "b", "c"], "year": [2020] * 3,
...     "municipality": ["K"] * 3, "area_id": ["A1", "A1", "A2"], "age": [30, 40, 50],
...     "origin": ["native", "non_western", "non_western"]}))
>>> plan = compile_catalogue(load_catalogue().select(["non_western_share"]), persons)
>>> out = plan.aggregates[0].order_by("area_id").execute()
>>> num, den, n = plan.columns["non_western_share"]
>>> out[num].tolist(), out[den].tolist()
([1, 1], [2, 1])
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import ibis
import ibis.expr.operations as ops

from kvarter.errors import EngineError, MissingFieldError
from kvarter.indicators.catalogue import DERIVED_FIELDS, Catalogue, Condition, Indicator

GROUP_KEYS = ("area_id", "municipality", "year")
#: Contract columns every person-year table must have for any indicator.
BASE_COLUMNS = ("person_id", "year", "municipality", "area_id")

# Operations a catalogue may need beyond plain sums, and the derived field or
# operator that needs them (checked with backend.has_operation at compile time).
_NEEDS_OPERATION = {"below_median": ops.Median, "equivalised_income_3y": ops.Lag}


@dataclass
class CompiledCatalogue:
    """The compiled plan: the aggregations and where each indicator's sums are.

    Each of :attr:`aggregates` has one row per area_id, municipality and year;
    ``columns[id]`` is ``(numerator_column, denominator_column, persons_column)``
    in one of them (``denominator_column`` is None for counts);
    ``skipped[id]`` says why an indicator was left out; ``first_year`` is the
    earliest year read from the microdata (earlier years feed pooled values).
    """

    indicators: list[Indicator]
    aggregates: list[ibis.Table]
    columns: dict[str, tuple[str, str | None, str]]
    skipped: dict[str, str] = field(default_factory=dict)
    first_year: int | None = None


def missing_fields(indicator: Indicator, columns) -> list[str]:
    """The contract columns ``indicator`` needs that ``columns`` lacks.

    >>> from kvarter.indicators.catalogue import load_catalogue
    >>> cat = load_catalogue()
    >>> missing_fields(cat["child_poverty_share"], ["age", "household_id"])
    ['household_disposable_income']
    >>> missing_fields(cat["crowded_families_share"], ["age"])
    ['dwelling_m2', 'household_id or household_size', 'household_type', 'rooms']
    """
    have = set(columns)
    out: set[str] = set()
    for name in indicator.fields():
        needs = DERIVED_FIELDS.get(name, (name,))
        for need in needs:
            if isinstance(need, tuple):
                if not have.intersection(need):
                    out.add(" or ".join(sorted(need)))
            elif need not in have:
                out.add(need)
    return sorted(out)


def supported(wanted, columns, *, named: bool) -> tuple[list[Indicator], dict[str, str]]:
    """Split ``wanted`` indicators into those the columns support and notes on
    the rest; an indicator the caller ``named`` raises instead of being skipped.

    >>> from kvarter.indicators.catalogue import load_catalogue
    >>> cat = load_catalogue()
    >>> active, skipped = supported([cat["residents"], cat["renting_share"]], {"age"}, named=False)
    >>> [i.id for i in active], skipped
    (['residents'], {'renting_share': 'renting_share skipped: the data has no tenure column.'})
    """
    active: list[Indicator] = []
    skipped: dict[str, str] = {}
    for ind in wanted:
        missing = missing_fields(ind, columns)
        if not missing:
            active.append(ind)
            continue
        plural = "s" if len(missing) > 1 else ""
        if named:
            raise MissingFieldError(
                f"Indicator {ind.id} needs the column{plural} {', '.join(missing)}, which the persons table lacks. "
                f"Load persons with {'them' if plural else 'it'} (the persons contract in docs/data-model.md "
                "names each column), or leave the indicator out of the ones asked for."
            )
        skipped[ind.id] = f"{ind.id} skipped: the data has no {', '.join(missing)} column{plural}."
    return active, skipped


def _key(kind: str, conds: list, weighted: bool, summed: str | None = None) -> str:
    return json.dumps([kind, weighted, summed, sorted(json.dumps(c, sort_keys=True) for c in conds)])


def _cond_dump(c: Condition) -> dict:
    return c.model_dump(exclude_none=True, by_alias=True)


def _age_conds(indicator: Indicator) -> list[dict]:
    lo, hi = indicator.population.age
    out = []
    if lo is not None:
        out.append({"field": "age", "ge": lo})
    if hi is not None:
        out.append({"field": "age", "le": hi})
    return out


def _with_derived(t: ibis.Table, needed: set[str]) -> ibis.Table:
    """Add the derived fields in ``needed`` (and what they build on) to ``t``."""
    if needed & {"household_persons", "equivalised_income", "equivalised_income_3y", "m2_per_person"}:
        if "household_size" in t.columns:
            t = t.mutate(household_persons=t.household_size.cast("float64"))
        else:
            sizes = t.group_by(["household_id", "year"]).aggregate(household_persons=ibis._.count().cast("float64"))
            t = t.left_join(sizes, ["household_id", "year"]).drop("household_id_right", "year_right")
    if needed & {"equivalised_income", "equivalised_income_3y"}:
        t = t.mutate(equivalised_income=t.household_disposable_income.cast("float64") / t.household_persons.sqrt())
    if "equivalised_income_3y" in needed:
        w = ibis.window(group_by=t.person_id, order_by=t.year)
        lag1, lag2 = t.equivalised_income.lag(1).over(w), t.equivalised_income.lag(2).over(w)
        year2 = t.year.lag(2).over(w)
        t = t.mutate(
            equivalised_income_3y=ibis.ifelse(
                year2 == t.year - 2, (t.equivalised_income + lag1 + lag2) / 3.0, ibis.null("float64")
            )
        )
    if "m2_per_person" in needed:
        t = t.mutate(m2_per_person=t.dwelling_m2.cast("float64") / t.household_persons)
    return t


def _operand(t: ibis.Table, value):
    if isinstance(value, dict):  # a FieldRef, dumped
        return t[value["field"]]
    return value


def condition_expr(t: ibis.Table, cond: dict):
    """The Ibis boolean for one dumped condition; a missing value gives null,
    which a filter treats as false.

    >>> import ibis, pandas as pd
    >>> t = ibis.memtable(pd.DataFrame({"s": ["employed", None, "retired"]}))
    >>> int(t.count(where=condition_expr(t, {"field": "s", "not_in": ["employed"]})).execute())
    1
    """
    col = t[cond["field"]]
    if "is_null" in cond:
        return col.isnull() if cond["is_null"] else col.notnull()
    if "eq" in cond:
        expr = col == cond["eq"]
    elif "ne" in cond:
        expr = col != cond["ne"]
    elif "in" in cond:
        expr = col.isin(cond["in"])
    elif "not_in" in cond:
        expr = col.notin(cond["not_in"])
    elif "lt" in cond:
        expr = col < _operand(t, cond["lt"])
    elif "le" in cond:
        expr = col <= _operand(t, cond["le"])
    elif "gt" in cond:
        expr = col > _operand(t, cond["gt"])
    elif "ge" in cond:
        expr = col >= _operand(t, cond["ge"])
    elif "below_median" in cond:
        expr = col < cond["below_median"] * t[f"__median_{cond['field']}"]
    else:  # pragma: no cover - the model guarantees one operator
        raise ValueError(f"condition without operator: {cond}")
    return expr


def compile_catalogue(
    catalogue: Catalogue,
    persons: ibis.Table,
    *,
    years: list[int] | None = None,
    indicators: list[str] | None = None,
    backend=None,
) -> CompiledCatalogue:
    """Compile ``catalogue`` against the ``persons`` table into one aggregation.

    Indicators whose fields ``persons`` lacks are skipped with a note in
    ``skipped``; naming one in ``indicators`` raises
    :class:`~kvarter.errors.MissingFieldError` instead. ``backend`` (an Ibis
    backend) is asked ``has_operation`` for the medians and lags some
    indicators need, so an engine gap fails here, naming the indicator.
    Medians outside the window pass are computed here (one small per-year
    query) and inlined as constants, sparing the main pass a join.

    >>> import ibis, pandas as pd
    >>> from kvarter.indicators.catalogue import load_catalogue
    >>> persons = ibis.memtable(pd.DataFrame({"person_id": ["a"], "year": [2020],
    ...     "municipality": ["K"], "area_id": ["A1"], "age": [30], "origin": ["native"]}))
    >>> plan = compile_catalogue(load_catalogue(), persons)
    >>> sorted(i.id for i in plan.indicators)[:3]
    ['non_western_share', 'non_western_share_ratio_to_municipality', 'residents']
    >>> plan.skipped["renting_share"]
    'renting_share skipped: the data has no tenure column.'
    >>> compile_catalogue(load_catalogue(), persons, indicators=["renting_share"])
    Traceback (most recent call last):
    ...
    kvarter.errors.MissingFieldError: Indicator renting_share needs the column tenure, which the persons table lacks. Load persons with it ...
    """
    columns = set(persons.columns)
    absent = [c for c in BASE_COLUMNS if c not in columns]
    if absent:
        raise MissingFieldError(
            f"The persons table lacks the column(s) {', '.join(absent)}; every indicator needs "
            f"{', '.join(BASE_COLUMNS)}."
        )
    wanted = catalogue.select(indicators).indicators if indicators is not None else list(catalogue)
    active, skipped = supported(wanted, columns, named=indicators is not None)

    if backend is not None:
        for ind in active:
            uses = set(ind.fields()) | ({"below_median"} if _medians([ind]) else set())
            for need, op in _NEEDS_OPERATION.items():
                if need in uses and not backend.has_operation(op):
                    raise EngineError(
                        f"Indicator {ind.id} needs {op.__name__} ({need}), which the "
                        f"{backend.name} engine does not support."
                    )

    first_year = None
    if years:
        pooled = max((i.years for i in active), default=1)
        first_year = min(years) - (pooled - 1)
    # Indicators on the 3-year income need a window over each person's years;
    # they get a pass of their own over a narrow table, so the window never
    # drags the other indicators' columns through its sort.
    windowed = [i for i in active if "equivalised_income_3y" in i.fields()]
    plain = [i for i in active if i not in windowed]
    aggregates, cols = [], {}
    for group in (plain, windowed):
        if group:
            agg = _compile_pass(persons, group, years, first_year, cols)
            aggregates.append(agg)
    if not aggregates:
        aggregates.append(persons.group_by(list(GROUP_KEYS)).aggregate(s_rows=persons.count()))
    return CompiledCatalogue(indicators=active, aggregates=aggregates, columns=cols, skipped=skipped, first_year=first_year)


def _per_year(t: ibis.Table, years, numbers):
    """A column holding ``numbers[i]`` in rows of ``years[i]`` (null elsewhere)."""
    pairs = [(t.year == int(y), float(m)) for y, m in zip(years, numbers) if m == m]
    if not pairs:
        return ibis.null("float64")
    return ibis.cases(*pairs, else_=ibis.null("float64"))


def _measure_conditions(ind: Indicator) -> tuple[list[dict], list[dict], list[dict]]:
    """The dumped conditions of the population, the denominator and the numerator."""
    pop = _age_conds(ind) + [_cond_dump(c) for c in ind.population.where]
    if ind.unit == "mean":
        pop.append({"field": ind.numerator.sum, "is_null": False})
    den = pop + [_cond_dump(c) for c in ind.denominator.where]
    num = pop + ([_cond_dump(c) for c in ind.numerator.where] if ind.numerator is not None else [])
    return pop, den, num


def _medians(inds: list[Indicator]) -> list[str]:
    return sorted({
        c.field for i in inds
        for c in [*i.population.where, *i.denominator.where, *(i.numerator.where if i.numerator else [])]
        if c.below_median is not None
    })


def _compile_pass(persons: ibis.Table, inds: list[Indicator], years, first_year, cols: dict) -> ibis.Table:
    """One aggregation computing every sum of ``inds``; fills ``cols`` with their names."""
    fields_used = set().union(*(set(i.fields()) for i in inds))
    # Only the columns the derived fields build on: the 3-year window sorts
    # every column it carries, so a household_id or dwelling_m2 it never
    # reads would only slow it.
    sources = set()
    for name in fields_used & set(DERIVED_FIELDS):
        for need in DERIVED_FIELDS[name]:
            if isinstance(need, tuple):  # alternatives: the first the data has
                need = next((c for c in need if c in persons.columns), need[0])
            sources.add(need)
    keep = [c for c in persons.columns if c in fields_used or c in BASE_COLUMNS or c in sources]
    t = persons.select(keep)
    windowed = "equivalised_income_3y" in fields_used
    if years:
        # The 3-year income reads two earlier years: filter after the window.
        lo = first_year - (2 if windowed else 0)
        t = t.filter((t.year >= lo) & (t.year <= max(years)))
    t = _with_derived(t, fields_used)
    if years and windowed:
        t = t.filter(t.year >= first_year)
    medians = _medians(inds)
    if medians:
        # One small per-year table of medians (median skips missing values).
        med = t.group_by("year").aggregate(**{f"__median_{name}": t[name].median() for name in medians})
        if windowed:
            t = t.left_join(med, "year").drop("year_right")
        else:
            # Without a window the medians are cheap to compute now; inlined as
            # constants they spare the main pass a join.
            values = med.execute()
            t = t.mutate(**{col: _per_year(t, values["year"], values[col]) for col in values.columns if col != "year"})

    # Each distinct condition becomes one boolean column, evaluated once per
    # row; the filtered sums then only AND a few booleans (ages 18-64 is
    # shared by a dozen sums).
    atoms: dict[str, str] = {}
    for ind in inds:
        for conds in _measure_conditions(ind):
            for c in conds:
                atoms.setdefault(json.dumps(c, sort_keys=True), f"__c{len(atoms)}")
    t = t.mutate(**{name: condition_expr(t, json.loads(key)) for key, name in atoms.items()})

    def all_of(conds):
        expr = None
        for c in conds:
            e = t[atoms[json.dumps(c, sort_keys=True)]]
            expr = e if expr is None else expr & e
        return expr

    aggs: dict[str, object] = {}
    names: dict[str, str] = {}
    prefix = f"s{len(cols)}_"

    def add(key: str, build) -> str:
        if key not in names:
            names[key] = f"{prefix}{len(names)}"
            aggs[names[key]] = build()
        return names[key]

    weight = (1.0 / t.household_persons) if "household_persons" in t.columns else None

    # A sum of CASE WHEN over the condition, not an aggregate FILTER: DuckDB
    # evaluates fifty FILTER clauses as fifty selections of each chunk, while
    # CASE WHEN sums stay one vectorised projection (the plain pass ran about
    # 1.5x faster in benchmarks/bench_indicators.py). A missing (null)
    # condition falls to the ELSE branch, so it still counts as false.
    def count(conds, weighted):
        if not conds:
            return add(_key("count", conds, weighted), lambda: weight.sum() if weighted else t.count())
        if weighted:
            return add(_key("count", conds, True), lambda: ibis.ifelse(all_of(conds), weight, 0.0).sum())
        return add(_key("count", conds, False), lambda: ibis.ifelse(all_of(conds), 1, 0).sum())

    def total(conds, field_name, weighted):
        value = t[field_name].cast("float64") * weight if weighted else t[field_name].cast("float64")
        if not conds:
            return add(_key("sum", conds, weighted, field_name), lambda: value.sum())
        return add(_key("sum", conds, weighted, field_name),
                   lambda: ibis.ifelse(all_of(conds), value, ibis.null("float64")).sum())

    for ind in inds:
        pop, den_conds, num_conds = _measure_conditions(ind)
        households = ind.counting == "households"
        persons_col = count(pop, False)
        if ind.unit == "count":
            cols[ind.id] = (count(pop, households), None, persons_col)
            continue
        den = total(den_conds, ind.denominator.sum, households) if ind.denominator.sum else count(den_conds, households)
        num = total(num_conds, ind.numerator.sum, households) if ind.numerator.sum else count(num_conds, households)
        cols[ind.id] = (num, den, persons_col)
    return t.group_by(list(GROUP_KEYS)).aggregate(**aggs)


__all__ = ["CompiledCatalogue", "compile_catalogue", "condition_expr", "missing_fields"]
