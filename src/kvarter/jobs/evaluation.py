"""Evaluation over a store: a programme's effect on its participants (the
store's person-month spells) and the effect of designations or initiatives
on areas (the store's indicator table) — published behind disclosure control.

- :func:`store_spells` checks the four spell tables (:func:`~kvarter.evaluation.load_spells`)
  and keeps them in the store; :func:`store_spells_of` reads them back;
- :func:`programme_publication`: :func:`~kvarter.evaluation.dynamic_effects`
  (and :func:`~kvarter.evaluation.cost_effectiveness`) → ``effects_*`` tables;
- :func:`areas_publication`: the first year each area was designated under a
  rule set (or an initiative started there) and
  :func:`~kvarter.evaluation.staggered_did` on one catalogue indicator, with
  not-yet-treated comparison areas → ``effects_areas*`` tables;
- :func:`evaluation_tables`: both, for the monitor report, when the store has what they need.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd

from kvarter.disclosure import DisclosurePolicy, Protected
from kvarter.errors import InputError
from kvarter.publish import Publication

#: Store tables of the spells (the contracts of :mod:`kvarter.evaluation.spells`).
SPELL_TABLES = ("inflows", "person_months", "programme_starts", "programme_costs")
#: What the monitor evaluates by default: the demo's programme and an outcome the state's lists look at.
DEFAULT_AREA_INDICATOR = "employed_share_18_64"
DEFAULT_AREA_RULESET = "dk-2018"
SOURCES = ("designations", "initiatives")


def store_spells(store, inflows: pd.DataFrame, months: pd.DataFrame, starts: pd.DataFrame,
                 costs: pd.DataFrame | None = None):
    """Check the spell tables against their contracts and each other, then keep them in the store.

    Nothing is written unless every check passes (one
    :class:`~kvarter.errors.InputErrors` lists every failure). Returns the
    checked :class:`~kvarter.evaluation.Spells`.

    >>> from kvarter.store import Store
    >>> from kvarter.demo.evaluation import inflow_cohorts
    >>> d = inflow_cohorts(n_persons=200, months=24, seed=1)
    >>> st = Store(":memory:")
    >>> store_spells(st, d["persons"], d["months"], d["starts"], d["costs"]).period, has_spells(st)
    ('month', True)
    """
    from kvarter.evaluation import load_spells

    spells = load_spells(inflows, months, starts, costs)
    frames = {"inflows": inflows, "person_months": months, "programme_starts": starts}
    if costs is not None:
        frames["programme_costs"] = costs
    for name, frame in frames.items():
        store.write_result(name, frame.reset_index(drop=True))
    return spells


def has_spells(store) -> bool:
    """Whether the store holds person-month spells.

    >>> from kvarter.store import Store
    >>> has_spells(Store(":memory:"))
    False
    """
    return all(store.has_table(t) for t in SPELL_TABLES[:3])


def store_spells_of(store):
    """The store's spells, checked (:func:`~kvarter.evaluation.load_spells`).

    >>> from kvarter.store import Store
    >>> store_spells_of(Store(":memory:"))
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The store has no person-month spells (tables inflows, person_months, programme_starts); give them with kvarter evaluate programme --spells FOLDER, or run kvarter demo.
    """
    from kvarter.evaluation import load_spells

    if not has_spells(store):
        raise InputError("The store has no person-month spells (tables inflows, person_months, programme_starts); "
                         "give them with kvarter evaluate programme --spells FOLDER, or run kvarter demo.")
    costs = store.read("programme_costs") if store.has_table("programme_costs") else None
    return load_spells(store.read("inflows"), store.read("person_months"), store.read("programme_starts"), costs)


def read_spell_folder(folder: str | Path) -> dict[str, pd.DataFrame]:
    """The spell tables from a folder: ``inflows``, ``person_months``,
    ``programme_starts`` and optionally ``programme_costs``, each as
    ``.parquet`` or ``.csv``.

    >>> read_spell_folder("/nonexistent")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: --spells /nonexistent: no inflows.parquet or inflows.csv there; a spell folder holds inflows, person_months, programme_starts (and programme_costs), as .parquet or .csv.
    """
    folder = Path(folder)
    out = {}
    for name in SPELL_TABLES:
        path = next((folder / f"{name}{ext}" for ext in (".parquet", ".csv") if (folder / f"{name}{ext}").is_file()),
                    None)
        if path is None:
            if name == "programme_costs":
                continue
            raise InputError(f"--spells {folder}: no {name}.parquet or {name}.csv there; a spell folder holds "
                             "inflows, person_months, programme_starts (and programme_costs), as .parquet or .csv.")
        out[name] = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    return out


def programme_tables(spells, policy: DisclosurePolicy, *, programme: str, horizon: int, method: str = "ipw",
                     subgroups: Sequence[str] | None = None, monthly_value=None, discount_rate=0.03, cost=None,
                     n_boot: int = 200, seed: int = 0, control="not_yet_treated", notes: list | None = None,
                     **options) -> dict[str, Protected]:
    """The protected ``effects_*`` tables of one programme (see :mod:`kvarter.publish.evaluation`).

    ``monthly_value`` (one value or several, for the sensitivity table)
    turns on the cost-effectiveness tables; ``cost`` defaults to the
    programme's row in ``programme_costs``. Notes and warnings of the
    estimation are appended to ``notes``.

    >>> from kvarter.demo.evaluation import inflow_cohorts
    >>> from kvarter.evaluation import load_spells
    >>> d = inflow_cohorts(n_persons=1500, months=48, seed=2)
    >>> sp = load_spells(d["persons"], d["months"], d["starts"], d["costs"])
    >>> sorted(programme_tables(sp, DisclosurePolicy(), programme="job_training", horizon=3, n_boot=5,
    ...                         monthly_value=20_000))[:3]
    ['effects_balance', 'effects_cost', 'effects_cumulative']
    """
    from kvarter.publish.evaluation import protect_programme

    res, ce, said = programme_estimates(spells, programme=programme, horizon=horizon, method=method,
                                        subgroups=subgroups, monthly_value=monthly_value,
                                        discount_rate=discount_rate, cost=cost, n_boot=n_boot, seed=seed,
                                        control=control, **options)
    if notes is not None:
        notes.extend(said)
    return protect_programme(res, policy, ce)


def programme_estimates(spells, *, programme: str, horizon: int, method: str = "ipw",
                        subgroups: Sequence[str] | None = None, monthly_value=None, discount_rate=0.03, cost=None,
                        n_boot: int = 200, seed: int = 0, control="not_yet_treated", **options):
    """What :func:`programme_tables` protects: the dynamic effects of one
    programme, its cost-effectiveness (``None`` without ``monthly_value``)
    and the notes and warnings of the estimation — nothing published yet.

    >>> from kvarter.demo.evaluation import inflow_cohorts
    >>> from kvarter.evaluation import load_spells
    >>> d = inflow_cohorts(n_persons=1500, months=48, seed=2)
    >>> res, ce, notes = programme_estimates(load_spells(d["persons"], d["months"], d["starts"]),
    ...                                      programme="job_training", horizon=3, n_boot=5)
    >>> ce is None, notes[0][:25]
    (True, 'job_training: joining now')
    """
    from kvarter.evaluation import cost_effectiveness, dynamic_effects

    res = dynamic_effects(spells, programme, horizon, method=method, subgroups=list(subgroups or []) or None,
                          seed=seed, n_boot=n_boot, control=control, **options)
    ce = None
    if monthly_value is not None:
        ce = cost_effectiveness(res, monthly_value, cost, discount_rate)
    notes = [f"{programme}: {res.comparison}."] + [f"{programme}: {n}" for n in res.notes + res.warnings]
    return res, ce, notes


def programme_publication(spells, policy: DisclosurePolicy, **kwargs) -> Publication:
    """:func:`programme_tables` as a :class:`~kvarter.publish.Publication` (its notes say what was compared).

    >>> from kvarter.demo.evaluation import inflow_cohorts
    >>> from kvarter.evaluation import load_spells
    >>> d = inflow_cohorts(n_persons=1500, months=48, seed=2)
    >>> pub = programme_publication(load_spells(d["persons"], d["months"], d["starts"]), DisclosurePolicy(),
    ...                             programme="job_training", horizon=3, n_boot=5)
    >>> pub.notes[0][:40]
    'job_training: joining now vs waiting: pe'
    """
    notes: list[str] = []
    tables = programme_tables(spells, policy, notes=notes, **kwargs)
    return Publication(tables=tables, policy=policy, notes=tuple(notes))


def first_treated_of(store, *, source: str = "designations", ruleset: str | None = DEFAULT_AREA_RULESET,
                     list_id: str | None = None, initiative: str | None = None, indicators=None,
                     areas=None) -> pd.DataFrame:
    """First treated year per area (``area_id``, ``first_treated``; 0 = never).

    ``source="designations"``: the first year the area was on a list under
    ``ruleset`` (a law version, e.g. ``dk-2018``: from the store's list
    history when it holds that law's years, else screened now year by year
    from the indicator table); ``"initiatives"``: the year an initiative of
    the registry started in the area (``initiative`` names one, else the
    earliest of all).

    >>> from kvarter.store import Store
    >>> first_treated_of(Store(":memory:"), source="initiatives")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The store's registry holds no initiatives; add some with kvarter registry add or import, or use --source designations.
    """
    from kvarter.evaluation import first_designation

    if source not in SOURCES:
        raise InputError(f"The 'source' parameter of first_treated_of must be one of {', '.join(SOURCES)}; "
                         f"got {source!r}.")
    if source == "initiatives":
        from kvarter.registry import Registry

        if not store.has_table("registry_versions"):
            raise InputError("The store's registry holds no initiatives; add some with kvarter registry add or "
                             "import, or use --source designations.")
        recs = [r for r in Registry(store).initiatives() if not r.withdrawn and (initiative is None or r.id == initiative)]
        if not recs:
            raise InputError(f"No initiative {initiative!r} in the registry." if initiative else
                             "The store's registry holds no initiatives.")
        first: dict[str, int] = {}
        for r in recs:
            for a in r.areas:
                first[str(a)] = min(first.get(str(a), 10**6), int(r.start.year))
        return pd.DataFrame({"area_id": list(first), "first_treated": list(first.values())})
    from kvarter.screening import designations_long, load_ruleset

    history = store.read("designations") if store.has_table("designations") else pd.DataFrame()
    if history.empty or ruleset not in set(history.get("ruleset", pd.Series(dtype=str))):
        from kvarter.jobs.monitor import _screen_years

        rs = load_ruleset(ruleset)
        years = sorted(int(y) for y in indicators["year"].unique())
        history = designations_long(_screen_years(indicators, areas, [rs], years))
    return first_designation(history, list_id=list_id, ruleset=ruleset)


def area_tables(store, policy: DisclosurePolicy, *, indicator: str, source: str = "designations",
                ruleset: str | None = DEFAULT_AREA_RULESET, list_id: str | None = None,
                initiative: str | None = None, control: str = "not_yet_treated", method: str = "dr",
                covariates: Sequence[str] | None = None, engine: str = "duckdb", catalogue=None,
                ind: pd.DataFrame | None = None, hidden: set | None = None, unbalanced: str = "drop",
                notes: list | None = None) -> dict[str, Protected]:
    """The protected ``effects_areas*`` tables: did the areas first designated
    (or reached by an initiative) in year g change faster on ``indicator``
    than the areas not yet (or never) treated?

    Cells the published indicator table hides (``hidden``; computed here
    when not given) are left out of the panel first, so no published effect
    rests on a hidden cell; with ``unbalanced="drop"`` (the default here)
    areas with such gaps are left out and a note says so, with ``"error"``
    they raise.

    >>> from kvarter.store import Store
    >>> area_tables(Store(":memory:"), DisclosurePolicy(), indicator="x")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The store has no 'persons' table to compute indicators from; load persons first (kvarter load FILE --table persons).
    """
    from kvarter.evaluation import area_effects
    from kvarter.publish.evaluation import protect_areas
    from kvarter.publish.links import hidden_cells

    if ind is None:
        from kvarter.jobs.indicators import indicator_table

        ind = indicator_table(store, engine=engine, catalogue=catalogue)
    if hidden is None:
        from kvarter.publish.indicators import protect_store_indicators

        published, _ = protect_store_indicators(store, ind, policy, catalogue=catalogue)
        hidden = hidden_cells(published)
    areas = store.read("areas") if store.has_table("areas") else pd.DataFrame(columns=["area_id", "municipality"])
    areas = areas.astype({"area_id": str})
    known = sorted(set(ind.loc[ind["level"] == "area", "indicator"].astype(str)))
    if indicator not in known:
        raise InputError(f"--indicator {indicator!r} is not in the indicator catalogue's area table; it has "
                         f"{', '.join(known[:15])}{' ...' if len(known) > 15 else ''}.")
    ft = first_treated_of(store, source=source, ruleset=ruleset, list_id=list_id, initiative=initiative,
                          indicators=ind, areas=areas)
    area_rows = ind[ind["level"] == "area"]
    keep = [(str(i), "area", str(u), int(y)) not in hidden for i, u, y in
            zip(area_rows["indicator"], area_rows["unit_id"], area_rows["year"])]
    panel_rows = area_rows[keep]
    res = area_effects(panel_rows, ft, indicator, covariates=list(covariates or []) or None, control=control,
                       method=method, unbalanced=unbalanced)
    what = f"{ruleset}" + (f"/{list_id}" if list_id else "") if source == "designations" else \
        f"initiative {initiative}" if initiative else "initiatives"
    analysis = f"{what}: {indicator}"
    if notes is not None:
        notes.extend(f"{analysis}: {n}" for n in res.notes)
    residents = ind[(ind["indicator"] == "residents") & (ind["level"] == "area")]
    residents = residents.sort_values("year").groupby(residents["unit_id"].astype(str))["value"].last().to_dict()
    return protect_areas(res, analysis, policy, residents=residents)


def areas_publication(store, policy: DisclosurePolicy, **kwargs) -> Publication:
    """:func:`area_tables` as a :class:`~kvarter.publish.Publication`.

    >>> from kvarter.store import Store
    >>> areas_publication(Store(":memory:"), DisclosurePolicy(), indicator="x")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The store has no 'persons' table to compute indicators from; load persons first (kvarter load FILE --table persons).
    """
    notes: list[str] = []
    tables = area_tables(store, policy, notes=notes, **kwargs)
    return Publication(tables=tables, policy=policy, notes=tuple(notes))


def programme_effects(store, *, n_boot: int = 100, seed: int = 0):
    """The monitor's programme Effects, started: the store's spells are read
    here, the estimation runs beside the caller where cores allow
    (:class:`kvarter.processes.Beside`). ``result()`` gives the programme
    shown, its :func:`programme_estimates` (or the InputError that stopped
    them) and the notes on the choice; ``None`` when the store has no spells.

    >>> from kvarter.store import Store
    >>> programme_effects(Store(":memory:")).result() is None
    True
    """
    from kvarter.processes import Beside

    spells = store_spells_of(store) if has_spells(store) else None
    return Beside(_programme_effects, spells, n_boot, seed)


def _programme_effects(spells, n_boot: int, seed: int):
    """The (first) programme's estimates: two years' horizon, subgroups by
    education group and recent work when the inflows have them,
    cost-effectiveness at a month's value of 25,000 or 15,000 and 3 % or 0 % a year."""
    if spells is None:
        return None
    notes: list[str] = []
    subgroups = [c for c in ("education_group", "recent_work") if c in spells.inflows.columns]
    programmes = sorted(set(spells.starts["programme"]))
    # One programme per report (the first by name); kvarter evaluate programme runs any other.
    prog = programmes[0]
    if len(programmes) > 1:
        notes.append(f"Effects: the report shows {prog}; run kvarter evaluate programme for "
                     f"{', '.join(programmes[1:])}.")
    try:
        estimates = programme_estimates(spells, programme=prog, horizon=24, subgroups=subgroups,
                                        monthly_value=[25_000, 15_000], discount_rate=[0.03, 0.0],
                                        n_boot=n_boot, seed=seed)
    except InputError as exc:
        estimates = exc
    return prog, estimates, notes


def evaluation_tables(store, ind: pd.DataFrame, hidden: set, policy: DisclosurePolicy, *, catalogue=None,
                      notes: list | None = None, n_boot: int = 100, seed: int = 0,
                      programme=None) -> dict[str, Protected]:
    """The monitor's Effects tables: the (first) programme with starts in the store's
    spells (:func:`programme_effects`; ``programme`` is one already started),
    and the areas first designated under dk-2018 on the employment share. A
    part the store lacks data for is left out, with a note when it fails.

    >>> from kvarter.store import Store
    >>> evaluation_tables(Store(":memory:"), pd.DataFrame(columns=["indicator", "level"]), set(), DisclosurePolicy())
    {}
    """
    from kvarter.publish.evaluation import protect_programme

    out: dict[str, Protected] = {}
    notes = notes if notes is not None else []
    started = (programme or programme_effects(store, n_boot=n_boot, seed=seed)).result()
    if started is not None:
        prog, estimates, said = started
        notes.extend(said)
        try:
            if isinstance(estimates, InputError):
                raise estimates
            res, ce, said = estimates
            notes.extend(said)
            out.update(protect_programme(res, policy, ce))
        except InputError as exc:
            notes.append(f"Effects of {prog}: {exc}")
    if ((ind["indicator"] == DEFAULT_AREA_INDICATOR) & (ind["level"] == "area")).any():
        try:
            out.update(area_tables(store, policy, indicator=DEFAULT_AREA_INDICATOR, ind=ind, hidden=hidden,
                                   catalogue=catalogue, notes=notes))
        except InputError as exc:
            notes.append(f"Effects on areas: {exc}")
    return out
