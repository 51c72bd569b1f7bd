"""Benefit spells, month by month: the data the dynamic evaluation needs,
under four versioned contracts (``contracts/*.yaml`` beside this module).

- ``inflows``: one row per person entering a spell, with covariates fixed at inflow;
- ``person_months``: the person's status in every month from inflow on, without gaps;
- ``programme_starts``: who started which programme when (and until when);
- ``programme_costs``: the cost of one participation per programme.

:func:`load_spells` runs every contract check and the checks across tables
(a programme start before inflow, months before inflow, gaps in a person's
months, unknown persons) and raises one :class:`~kvarter.errors.InputErrors`
with every failure, naming table, row, column and value. From a person-year
table (the store's ``persons``) :func:`spells_from_person_years` derives the
same at year resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from kvarter.errors import Failure, InputError, InputErrors, Reason
from kvarter.io.contracts import Contract, load_contract
from kvarter.io.validate import check_frame

SPELL_TABLES = ("inflows", "person_months", "programme_starts", "programme_costs")
#: Statuses that continue a benefit spell; any other status ends it.
ON_BENEFIT = frozenset({"unemployment_benefit", "social_assistance", "other_benefit", "programme"})


def spell_contract(table: str) -> Contract:
    """The contract of one spell table (one of :data:`SPELL_TABLES`).

    >>> spell_contract("programme_starts").primary_key
    ('person_id', 'programme', 'start_month')
    """
    if table not in SPELL_TABLES:
        raise InputError(f"No spell contract for table {table!r}; there are {', '.join(SPELL_TABLES)}.")
    path = resources.files("kvarter.evaluation").joinpath("contracts", f"{table}.yaml")
    return load_contract(Path(str(path)))


def month_index(yyyymm) -> np.ndarray:
    """Months since January of year 0 for YYYYMM integers (so differences are month counts).

    >>> (month_index([201912, 202001]) - month_index(201501)).tolist()
    [59, 60]
    """
    v = np.asarray(yyyymm, dtype=np.int64)
    return (v // 100) * 12 + (v % 100) - 1


@dataclass(frozen=True)
class Spells:
    """Validated spell tables. ``period`` is the time unit (``"month"`` or
    ``"year"``); the period columns hold integer indices in that unit
    (``month_index`` of YYYYMM for months, the year itself for years)."""

    inflows: pd.DataFrame
    months: pd.DataFrame
    starts: pd.DataFrame
    costs: pd.DataFrame | None
    period: str = "month"


def _bad_month_failures(frame: pd.DataFrame, cols, source: str, rows) -> list[Failure]:
    out = []
    for c in cols:
        v = frame[c]
        bad = v.notna() & ~((v % 100).between(1, 12))
        for i in np.flatnonzero(bad.to_numpy())[:100]:
            out.append(Failure(source, int(rows[i]), c, v.iloc[i], Reason.out_of_range,
                               f"{c} {v.iloc[i]} is not a month: give YYYYMM with MM from 01 to 12"))
    return out


def load_spells(inflows: pd.DataFrame, months: pd.DataFrame, starts: pd.DataFrame,
                costs: pd.DataFrame | None = None) -> Spells:
    """Check the four spell tables against their contracts and each other; return :class:`Spells`.

    Every failure of every table is collected before one
    :class:`~kvarter.errors.InputErrors` is raised; its ``table()`` lists them.

    >>> inflows = pd.DataFrame({"person_id": ["a"], "inflow_month": [202003], "age": [30]})
    >>> months = pd.DataFrame({"person_id": ["a"] * 3, "month": [202003, 202004, 202005],
    ...                        "status": ["social_assistance", "programme", "employed"]})
    >>> starts = pd.DataFrame({"person_id": ["a"], "programme": ["p"], "start_month": [202002]})
    >>> load_spells(inflows, months, starts)
    Traceback (most recent call last):
    ...
    kvarter.errors.InputErrors: spells failed validation with 1 failure(s) (1 out_of_range); nothing was stored. First: row 1, column 'start_month': programme p starts in 202002, before person 'a' entered the spell in 202003
    """
    frames = {"inflows": inflows, "person_months": months, "programme_starts": starts}
    if costs is not None:
        frames["programme_costs"] = costs
    failures: list[Failure] = []
    typed = {}
    for name, frame in frames.items():
        checked = check_frame(frame, spell_contract(name), source=name)
        failures += checked.failures
        out = checked.frame
        extra = [c for c in frame.columns if c not in out.columns]
        for c in extra:
            out[c] = frame[c].reset_index(drop=True)
        typed[name] = (out, checked.rows)
    inf, inf_rows = typed["inflows"]
    mon, mon_rows = typed["person_months"]
    sta, sta_rows = typed["programme_starts"]
    failures += _bad_month_failures(inf, ["inflow_month"], "inflows", inf_rows)
    failures += _bad_month_failures(mon, ["month"], "person_months", mon_rows)
    failures += _bad_month_failures(sta, ["start_month", "end_month"], "programme_starts", sta_rows)
    if failures:
        raise InputErrors(failures, source="spells")
    inflow_of = pd.Series(month_index(inf["inflow_month"].to_numpy()), index=inf["person_id"].to_numpy())
    failures += _cross_checks(inf, mon, mon_rows, sta, sta_rows, inflow_of)
    if failures:
        raise InputErrors(failures, source="spells")
    inf = inf.assign(inflow=inflow_of.to_numpy())
    mon = mon.assign(period=month_index(mon["month"].to_numpy()))
    sta = sta.assign(start=month_index(sta["start_month"].to_numpy()),
                     end=np.where(sta["end_month"].isna(), -1, month_index(sta["end_month"].fillna(190001).to_numpy())))
    cost_frame = typed["programme_costs"][0] if "programme_costs" in typed else None
    return Spells(inf, mon, sta, cost_frame, "month")


def _cross_checks(inf, mon, mon_rows, sta, sta_rows, inflow_of) -> list[Failure]:
    out: list[Failure] = []
    known = set(inf["person_id"])
    for name, frame, rows in (("person_months", mon, mon_rows), ("programme_starts", sta, sta_rows)):
        unknown = ~frame["person_id"].isin(known)
        for i in np.flatnonzero(unknown.to_numpy())[:100]:
            out.append(Failure(name, int(rows[i]), "person_id", frame["person_id"].iloc[i], Reason.inconsistent,
                               f"person {frame['person_id'].iloc[i]!r} is not in the inflows table"))
    ok = sta["person_id"].isin(known).to_numpy()
    s = month_index(sta["start_month"].to_numpy())
    c = inflow_of.reindex(sta["person_id"]).to_numpy()
    early = ok & (s < c)
    for i in np.flatnonzero(early)[:100]:
        out.append(Failure("programme_starts", int(sta_rows[i]), "start_month", int(sta["start_month"].iloc[i]),
                           Reason.out_of_range,
                           f"programme {sta['programme'].iloc[i]} starts in {sta['start_month'].iloc[i]}, before person "
                           f"{sta['person_id'].iloc[i]!r} entered the spell in {inf.set_index('person_id').inflow_month[sta['person_id'].iloc[i]]}"))
    end = sta["end_month"]
    backwards = end.notna().to_numpy() & (month_index(end.fillna(190001).to_numpy()) < s)
    for i in np.flatnonzero(backwards)[:100]:
        out.append(Failure("programme_starts", int(sta_rows[i]), "end_month", int(end.iloc[i]), Reason.inconsistent,
                           f"end_month {end.iloc[i]} is before start_month {sta['start_month'].iloc[i]}"))
    mok = mon["person_id"].isin(known).to_numpy()
    m = month_index(mon["month"].to_numpy())
    cm = inflow_of.reindex(mon["person_id"]).to_numpy()
    before = mok & (m < cm)
    for i in np.flatnonzero(before)[:100]:
        out.append(Failure("person_months", int(mon_rows[i]), "month", int(mon["month"].iloc[i]), Reason.out_of_range,
                           f"month {mon['month'].iloc[i]} is before person {mon['person_id'].iloc[i]!r}'s inflow"))
    g = pd.DataFrame({"p": mon["person_id"].to_numpy()[mok], "m": m[mok], "c": cm[mok]})
    span = g.groupby("p").agg(lo=("c", "first"), hi=("m", "max"), n=("m", "nunique"))
    gaps = span[span.n < span.hi - span.lo + 1]
    for p, r in gaps.head(100).iterrows():
        have = set(g.loc[g.p == p, "m"])
        first_missing = next(k for k in range(int(r.lo), int(r.hi) + 1) if k not in have)
        ym = (first_missing // 12) * 100 + first_missing % 12 + 1
        out.append(Failure("person_months", None, "month", int(ym), Reason.inconsistent,
                           f"person {p!r} has no row for {ym} (months must run from inflow to the last month "
                           f"without gaps; {int(r.hi - r.lo + 1 - r.n)} missing)"))
    return out


def spells_from_person_years(persons: pd.DataFrame, starts: pd.DataFrame, covariates=("age", "sex", "education", "origin"),
                             costs: pd.DataFrame | None = None) -> Spells:
    """Spells at year resolution from a person-year table (the store's ``persons``).

    A person's spell starts in the first year with ``labour_status ==
    "unemployed"`` (its covariates are taken from that year); each later year
    is ``employed`` when the labour status says so, ``unemployment_benefit``
    when unemployed, else ``other``. ``starts`` gives ``person_id``,
    ``programme`` and the ``start_year``; starts before the spell's first year
    are an error, as at month resolution. Years must follow without gaps.

    >>> py = pd.DataFrame({"person_id": ["a", "a", "a", "b", "b"], "year": [2019, 2020, 2021, 2020, 2021],
    ...                    "labour_status": ["employed", "unemployed", "employed", "unemployed", "unemployed"],
    ...                    "age": [30, 31, 32, 50, 51]})
    >>> s = spells_from_person_years(py, pd.DataFrame({"person_id": ["a"], "programme": ["p"], "start_year": [2020]}),
    ...                              covariates=["age"])
    >>> s.inflows[["person_id", "inflow", "age"]].to_dict("records")
    [{'person_id': 'a', 'inflow': 2020, 'age': 31}, {'person_id': 'b', 'inflow': 2020, 'age': 50}]
    >>> s.months.status.tolist()
    ['unemployment_benefit', 'employed', 'unemployment_benefit', 'unemployment_benefit']
    """
    need = ["person_id", "year", "labour_status", *covariates]
    missing = [c for c in need if c not in persons.columns]
    if missing:
        raise InputError(f"persons passed to spells_from_person_years lacks column(s) {', '.join(map(repr, missing))}.")
    py = persons[need].sort_values(["person_id", "year"])
    unemployed = py[py.labour_status == "unemployed"]
    first = unemployed.groupby("person_id", sort=True).first().reset_index()
    inflows = first[["person_id", "year", *covariates]].rename(columns={"year": "inflow"})
    inflows["inflow_month"] = inflows["inflow"]
    after = py.merge(inflows[["person_id", "inflow"]], on="person_id")
    after = after[after.year >= after.inflow]
    span = after.groupby("person_id").year.agg(["min", "max", "count"])
    gaps = span[span["count"] < span["max"] - span["min"] + 1]
    if len(gaps):
        p = gaps.index[0]
        raise InputError(f"persons passed to spells_from_person_years has gaps: person {p!r} lacks a year between "
                         f"{gaps.loc[p, 'min']} and {gaps.loc[p, 'max']} ({len(gaps)} person(s) with gaps).")
    status = np.select([after.labour_status == "employed", after.labour_status == "unemployed"],
                       ["employed", "unemployment_benefit"], "other")
    months = pd.DataFrame({"person_id": after.person_id.to_numpy(), "month": after.year.to_numpy(),
                           "status": status, "period": after.year.to_numpy()})
    sta = starts.merge(inflows[["person_id", "inflow"]], on="person_id", how="left")
    if sta.inflow.isna().any():
        p = sta.person_id[sta.inflow.isna()].iloc[0]
        raise InputError(f"starts passed to spells_from_person_years names person {p!r}, who has no unemployment spell.")
    early = sta.start_year < sta.inflow
    if early.any():
        r = sta[early].iloc[0]
        raise InputError(f"programme {r.programme} starts in {r.start_year}, before person {r.person_id!r} entered "
                         f"the spell in {int(r.inflow)} (row {int(np.flatnonzero(early.to_numpy())[0]) + 1} of starts).")
    sta = pd.DataFrame({"person_id": sta.person_id, "programme": sta.programme, "start_month": sta.start_year,
                        "end_month": sta.start_year, "start": sta.start_year, "end": sta.start_year})
    return Spells(inflows.reset_index(drop=True), months, sta, costs, "year")
