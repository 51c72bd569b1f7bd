"""Benchmarks as protected tables: each unit against its reference group
(``comparison``), each unit on its group's funnel (``funnel``) and the
spine-chart rows (``spine``) — every figure through
:func:`kvarter.disclosure.protect`.

What keeps them safe:

* **One reference per group, the unit included.** A reference "excluding
  the unit" beside one "including" it (or beside the municipality in the
  indicator table) gives the unit away as a difference, so only the
  including one is published: the group's pooled value Σnum/Σden over all
  its members, on a row of its own that rests on the group's persons. The
  comparison table declares each reference row as the sum of its members'
  rows (:func:`~kvarter.disclosure.partition`), so secondary suppression
  sees what each group sums; overlapping groups (nearest neighbours) are
  relations too.
* **Links to other published tables.** A unit whose value is hidden in the
  published indicator table (``hidden``) is suppressed here too; a unit
  whose value is published elsewhere (``published_elsewhere``) is never
  relied on as a hidden complement — when secondary suppression would pick
  it, the group's reference is suppressed instead (repeated to a fixed
  point). Where a reference is suppressed its units' reference, index and
  difference stay empty, since they would give it back.
* **Only published values feed derived figures.** The mean of the members,
  percentile ranks, z-scores, funnels (their target, limits and
  overdispersion), spine ranges and quartiles use the unit values the
  comparison table publishes, so they add nothing an outsider could not
  compute from it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kvarter.disclosure import Protected, partition, protect
from kvarter.disclosure.status import SUPPRESSED

REFERENCE_ROW = "reference"
UNIT_ROW = "unit"
#: What the published reference is; the only kind published (see the module text).
REFERENCE_KIND = "pooled, unit included"
_FUNNEL_KINDS = {"share": ("proportion", 1.0), "per_1000": ("rate", 1000.0)}
_KEY = ["indicator", "year", "group", "row", "unit"]


def group_ids(groups: pd.DataFrame) -> pd.DataFrame:
    """The reference group of each unit as an id, with its members.

    A partition grouping (size class, region, file, fixed) shares one group
    among its members; a unit's nearest neighbours are a group of its own
    (``"nearest to <unit>"``). Returns ``unit, group_id, member``.

    >>> g = pd.DataFrame({"unit": ["A", "A", "B", "B"], "group": "4", "member": ["A", "B", "B", "A"]})
    >>> g.attrs["partition"] = {"A": "4", "B": "4"}
    >>> group_ids(g)["group_id"].unique().tolist()
    ['4']
    >>> nn = pd.DataFrame({"unit": ["A", "A"], "group": "nearest", "member": ["A", "B"]})
    >>> group_ids(nn)["group_id"].unique().tolist()
    ['nearest to A']
    """
    g = groups[["unit", "group", "member"]].astype(str).copy()
    if "partition" in groups.attrs:
        g["group_id"] = g["group"]
    else:
        g["group_id"] = [f"{grp} to {u}" if grp == "nearest" else f"{grp} of {u}" for grp, u in zip(g["group"], g["unit"])]
    return g[["unit", "group_id", "member"]].reset_index(drop=True)


def _measures(values: pd.DataFrame, kinds: dict, sums: set) -> pd.DataFrame:
    """``share_numerator`` (persons counted, for the small-numerator rule) and
    ``sum_value`` (a summed field behind a mean or rate) per row."""
    t = values.copy()
    num, den = t["numerator"].astype(float), t["denominator"].astype(float)
    is_sum = t["indicator"].isin(sums)
    counts_persons = t["indicator"].map(kinds).isin(["share", "per_1000"]) & ~is_sum
    t["share_numerator"] = num.where(counts_persons & (num >= 0) & (num <= den))
    t["sum_value"] = num.abs().where(is_sum)
    return t


def _scale(values: pd.DataFrame) -> dict[str, float]:
    """Per indicator the s with value = s·num/den on every row (NaN: not poolable)."""
    from kvarter.benchmark.compare import _scales

    return _scales(values)


def comparison_rows(values: pd.DataFrame, groups: pd.DataFrame, *, kinds: dict, sums: set = frozenset(),
                    names: dict | None = None) -> tuple[pd.DataFrame, list]:
    """The unprotected comparison table: a row per unit and indicator, a row
    per reference group and indicator (the pooled value of all its members,
    the unit included), and the relations (reference = Σ members).

    ``values`` holds one year of one level: ``indicator, unit_id, year,
    value, numerator, denominator, persons``.

    >>> v = pd.DataFrame({"indicator": "s", "unit_id": ["A", "B", "C"], "year": 2024, "value": [0.3, 0.1, 0.3],
    ...     "numerator": [30.0, 10.0, 60.0], "denominator": [100.0, 100.0, 200.0], "persons": [100, 100, 200]})
    >>> from kvarter.benchmark import reference_groups
    >>> g = reference_groups(["A", "B", "C"], "country", include_self=True)
    >>> rows, rels = comparison_rows(v, g, kinds={"s": "share"})
    >>> rows[["row", "unit", "value", "persons", "share_numerator"]].values.tolist()
    [['unit', 'A', 0.3, 100.0, 30.0], ['unit', 'B', 0.1, 100.0, 10.0], ['unit', 'C', 0.3, 200.0, 60.0], ['reference', 'country', 0.25, 400.0, 100.0]]
    >>> rels[0].total, len(rels[0].parts)
    (('s', 2024, 'country', 'reference', 'country', 'country'), 3)
    """
    names = names or {}
    gid = group_ids(groups)
    own = gid.drop_duplicates("unit").set_index("unit")["group_id"]
    v = values.dropna(subset=["value"]).copy()
    v["unit_id"] = v["unit_id"].astype(str)
    v = v[v["unit_id"].isin(set(own.index) | set(gid["member"]))]
    v = _measures(v, kinds, sums)
    scales = _scale(v)
    units = v.assign(group=v["unit_id"].map(own).fillna(""), row=UNIT_ROW, unit=v["unit_id"])
    units = units[units["group"] != ""]
    members = gid.drop_duplicates(["group_id", "member"])
    m = members.merge(v.rename(columns={"unit_id": "member"}), on="member")
    agg = m.groupby(["indicator", "year", "group_id"], sort=False).agg(
        persons=("persons", "sum"), numerator=("numerator", lambda s: s.sum(min_count=len(s))),
        denominator=("denominator", lambda s: s.sum(min_count=len(s))),
        share_numerator=("share_numerator", lambda s: s.sum(min_count=len(s))),
        sum_value=("sum_value", lambda s: s.sum(min_count=len(s))), members=("member", "size")).reset_index()
    sc = agg["indicator"].map(scales)
    with np.errstate(invalid="ignore", divide="ignore"):
        agg["value"] = sc * agg["numerator"] / agg["denominator"].where(agg["denominator"] > 0)
    refs = agg.rename(columns={"group_id": "group"}).assign(row=REFERENCE_ROW)
    refs["unit"] = refs["group"]
    cols = ["indicator", "year", "group", "row", "unit", "value", "numerator", "denominator", "persons",
            "share_numerator", "sum_value"]
    units["members"] = np.nan
    out = pd.concat([units[cols + ["members"]], refs[cols + ["members"]]], ignore_index=True)
    out["name"] = [names.get(u, u) if r == UNIT_ROW else u for u, r in zip(out["unit"], out["row"])]
    out["persons"] = out["persons"].astype(float)
    out["year"] = out["year"].astype("int64")
    have = {(i, u): grp for i, u, grp in zip(units["indicator"], units["unit"], units["group"])}
    rels = []
    for (ind, year, g), part in m.groupby(["indicator", "year", "group_id"], sort=False):
        parts = [(ind, int(year), have[(ind, u)], UNIT_ROW, u, names.get(u, u)) for u in part["member"]
                 if (ind, u) in have]
        if parts:
            rels.append(partition(f"{ind} {g} {year}", (ind, int(year), g, REFERENCE_ROW, g, g), parts))
    return out, rels


def _statuses(p: Protected) -> pd.DataFrame:
    f = p.frame
    return f[_KEY].assign(hidden=f["value_status"].isin(SUPPRESSED) | f["persons_status"].isin(SUPPRESSED),
                          secondary=f["value_status"].eq("secondary"))


def _derived(rows: pd.DataFrame, hidden: np.ndarray, gid: pd.DataFrame, kinds: dict) -> pd.DataFrame:
    """Reference, index, difference, mean, percentile rank and z-score per unit
    row, over the members whose values are published (``~hidden``)."""
    rows = rows.copy()
    pub = rows[(rows["row"] == UNIT_ROW) & ~hidden]
    val = dict(zip(zip(pub["indicator"], pub["unit"]), pub["value"]))
    # A suppressed reference leaves its units' reference, index and difference empty (they would give it back).
    ref_rows = rows[(rows["row"] == REFERENCE_ROW) & ~hidden]
    ref = dict(zip(zip(ref_rows["indicator"], ref_rows["group"]), ref_rows["value"]))
    members = gid.drop_duplicates(["group_id", "member"]).groupby("group_id")["member"].apply(list).to_dict()
    means, sd_of = {}, {}
    for ind in rows["indicator"].unique():
        for g, ms in members.items():
            xs = np.array([val[(ind, mm)] for mm in ms if (ind, mm) in val], dtype=float)
            means[(ind, g)] = xs
    out = {c: [] for c in ("reference", "mean", "index", "difference", "percentile_rank", "z_score",
                           "published_members")}
    for ind, g, r, u, v in zip(rows["indicator"], rows["group"], rows["row"], rows["unit"], rows["value"]):
        xs = means.get((ind, g), np.array([]))
        mean = float(xs.mean()) if len(xs) else np.nan
        out["mean"].append(mean)
        out["published_members"].append(float(len(xs)))
        if r == REFERENCE_ROW:
            for c in ("reference", "index", "difference", "percentile_rank", "z_score"):
                out[c].append(np.nan)
            continue
        if (ind, g) not in ref:
            out["reference"].append(np.nan)
            out["index"].append(np.nan)
            out["difference"].append(np.nan)
        else:
            rv = ref[(ind, g)]
            rv = rv if np.isfinite(rv) else mean  # a count has no pooled value: the members' mean
            out["reference"].append(rv)
            out["index"].append(100 * v / rv if rv else np.nan)
            out["difference"].append((v - rv) * (100.0 if kinds.get(ind) == "share" else 1.0))
        if len(xs):
            out["percentile_rank"].append(100 * (np.sum(xs < v) + 0.5 * (np.sum(xs == v) - 1)) / max(len(xs) - 1, 1)
                                          if len(xs) > 1 else np.nan)
            sd = xs.std(ddof=1) if len(xs) > 1 else np.nan
            out["z_score"].append((v - mean) / sd if sd and np.isfinite(sd) else np.nan)
        else:
            out["percentile_rank"].append(np.nan)
            out["z_score"].append(np.nan)
    for c, vals in out.items():
        rows[c] = vals
    rows["difference_unit"] = rows["indicator"].map(kinds).map(
        {"share": "percentage points", "per_1000": "per 1,000", "mean": "mean", "count": "count",
         "ratio": "ratio"}).fillna("value")
    rows["reference_kind"] = REFERENCE_KIND
    return rows


COMPARISON_VALUES = ["value", "denominator", "reference", "index", "difference", "difference_unit", "mean", "percentile_rank",
                     "z_score", "members", "published_members", "reference_kind"]


def protect_comparison(values: pd.DataFrame, groups: pd.DataFrame, policy, *, kinds: dict, sums: set = frozenset(),
                       names: dict | None = None, hidden: set | None = None,
                       published_elsewhere: set | None = None, name: str = "benchmark comparison") -> Protected:
    """The comparison table, protected (see the module text).

    ``hidden`` and ``published_elsewhere`` hold ``(indicator, unit)`` cells
    of other published tables. Columns: the key ``indicator, year, group,
    row, unit, name``; ``value`` (the unit's value, or the group's pooled
    reference on its ``reference`` row), ``reference``, ``index`` (100 ×
    value / reference), ``difference`` (percentage points for shares),
    ``mean``, ``percentile_rank`` and ``z_score`` over the published members,
    ``members`` (all) and ``published_members``; the counts ``persons``
    (the count the rules apply to), ``share_numerator``, ``sum_value``.

    A group of four; D rests on 3 persons, so it goes and so does the
    smallest other member (else D = reference − A − B − C):

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> from kvarter.benchmark import reference_groups
    >>> v = pd.DataFrame({"indicator": "s", "unit_id": list("ABCD"), "year": 2024,
    ...     "numerator": [30.0, 12.0, 50.0, 1.0], "denominator": [100.0, 40.0, 200.0, 3.0], "persons": [100, 40, 200, 3]})
    >>> v["value"] = v["numerator"] / v["denominator"]
    >>> g = reference_groups(list("ABCD"), "country", include_self=True)
    >>> f = protect_comparison(v, g, DisclosurePolicy(protect_complement=False), kinds={"s": "share"}).frame
    >>> f[["row", "unit", "value_status"]].values.tolist()
    [['unit', 'A', 'published'], ['unit', 'B', 'secondary'], ['unit', 'C', 'published'], ['unit', 'D', 'primary'], ['reference', 'country', 'published']]
    >>> round(float(f.loc[4, "value"]), 4), round(float(f.loc[0, "index"]), 2)
    (0.2711, 110.65)
    """
    rows, rels = comparison_rows(values, groups, kinds=kinds, sums=sums, names=names)
    gid = group_ids(groups)
    hidden = hidden or set()
    elsewhere = published_elsewhere or set()
    cell = list(zip(rows["indicator"], rows["unit"]))
    is_unit = (rows["row"] == UNIT_ROW).to_numpy()
    linked = np.array([is_unit[i] and c in hidden for i, c in enumerate(cell)])
    groups_of = gid.groupby("member")["group_id"].apply(set).to_dict()
    key_of = {k: i for i, k in enumerate(zip(rows["indicator"], rows["group"], rows["row"]))}

    def run(lk, frame):
        frame = frame.assign(linked=lk)
        return protect(frame[_KEY + ["name"] + COMPARISON_VALUES + ["persons", "share_numerator", "sum_value",
                                                                    "linked"]],
                       policy, key=_KEY + ["name"], value_columns=COMPARISON_VALUES, count_column="persons",
                       numerator_column="share_numerator", sum_column="sum_value", linked_column="linked",
                       relations=rels, name=name)

    frame = _derived(rows, linked, gid, kinds)
    for _ in range(50):
        st = _statuses(run(linked, frame))
        hid = st["hidden"].to_numpy()
        new = linked.copy()
        # A unit published elsewhere is no complement: hide its groups' references instead.
        for i in np.flatnonzero(is_unit & st["secondary"].to_numpy()):
            if cell[i] in elsewhere:
                for g in groups_of.get(rows["unit"].iat[i], ()):
                    j = key_of.get((rows["indicator"].iat[i], g, REFERENCE_ROW))
                    if j is not None:
                        new[j] = True
        if (new == linked).all():
            break
        linked = new
    frame = _derived(rows, hid, gid, kinds)
    return run(linked, frame)


def published_units(comparison: Protected) -> pd.DataFrame:
    """The unit rows a protected comparison table publishes, with their group and counts.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> from kvarter.benchmark import reference_groups
    >>> v = pd.DataFrame({"indicator": "s", "unit_id": ["A", "B"], "year": 2024, "value": [0.3, 0.1],
    ...     "numerator": [30.0, 10.0], "denominator": [100.0, 100.0], "persons": [100, 100]})
    >>> c = protect_comparison(v, reference_groups(["A", "B"], "country", include_self=True), DisclosurePolicy(),
    ...                        kinds={"s": "share"})
    >>> published_units(c)["unit"].tolist()
    ['A', 'B']
    """
    f = comparison.frame
    ok = (f["row"] == UNIT_ROW) & ~f["value_status"].isin(SUPPRESSED) & ~f["persons_status"].isin(SUPPRESSED)
    return f[ok].reset_index(drop=True)


def published_references(comparison: Protected) -> dict[tuple[str, str], float]:
    """``(indicator, group) -> reference`` for the reference rows a comparison table publishes.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> from kvarter.benchmark import reference_groups
    >>> v = pd.DataFrame({"indicator": "s", "unit_id": ["A", "B"], "year": 2024, "value": [0.3, 0.1],
    ...     "numerator": [30.0, 10.0], "denominator": [100.0, 100.0], "persons": [100, 100]})
    >>> c = protect_comparison(v, reference_groups(["A", "B"], "country", include_self=True), DisclosurePolicy(),
    ...                        kinds={"s": "share"})
    >>> published_references(c)
    {('s', 'country'): 0.2}
    """
    f = comparison.frame
    ok = (f["row"] == REFERENCE_ROW) & ~f["value_status"].isin(SUPPRESSED)
    return {(i, g): float(v) for i, g, v in zip(f.loc[ok, "indicator"], f.loc[ok, "group"], f.loc[ok, "value"])}


FUNNEL_VALUES = ["value", "precision", "target", "lower_95", "upper_95", "lower_998", "upper_998", "class", "class_unadjusted",
                 "limits", "phi", "tau2", "overdispersed", "distance", "rank"]


def funnel_table(comparison: Protected, groups: pd.DataFrame, *, kinds: dict, limits: str = "exact",
                 adjust: str | None = "default") -> pd.DataFrame:
    """Every published unit on the funnel of each group it is a member of
    (unprotected; :func:`protect_funnel` protects it).

    The target is the group's published reference (else the pooled value of
    its published members); limits are exact (``limits``); ``adjust``
    ``"default"`` widens them for overdispersion as FunnelPlotR does (CQC
    for proportions, SHMI for rates), drawn only when φ > 1; ``class`` is
    the unit's class against the limits drawn, ``class_unadjusted`` against
    the plain ones. Only shares and rates per 1,000 have funnels.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> from kvarter.benchmark import reference_groups
    >>> v = pd.DataFrame({"indicator": "s", "unit_id": ["A", "B"], "year": 2024, "value": [0.3, 0.1],
    ...     "numerator": [30.0, 10.0], "denominator": [100.0, 100.0], "persons": [100, 100]})
    >>> g = reference_groups(["A", "B"], "country", include_self=True)
    >>> c = protect_comparison(v, g, DisclosurePolicy(), kinds={"s": "share"})
    >>> funnel_table(c, g, kinds={"s": "share"}, adjust=None)[["unit", "target", "class"]].values.tolist()
    [['A', 0.2, 'above_95'], ['B', 0.2, 'below_95']]
    """
    from kvarter.benchmark import funnel
    from kvarter.benchmark.overdispersion import default_method

    pub = published_units(comparison)
    refs = published_references(comparison)
    gid = group_ids(groups)
    dist = {}
    if "distance" in groups.columns:
        for u, m, d, r in zip(groups["unit"].astype(str), groups["member"].astype(str), groups["distance"],
                              groups["rank"]):
            dist[(u, m)] = (d, r)
    parts = []
    for ind, pi in pub.groupby("indicator", sort=False):
        fk = _FUNNEL_KINDS.get(kinds.get(ind))
        if fk is None or pi["share_numerator"].isna().all() and pi["sum_value"].isna().all():
            continue
        kind, scale = fk
        obs = pi["share_numerator"].where(pi["share_numerator"].notna(), pi["sum_value"])
        by_unit = pi.assign(observed=obs.to_numpy()).set_index("unit")
        for g, gm in gid.groupby("group_id", sort=False):
            ms = [m for m in dict.fromkeys(gm["member"]) if m in by_unit.index]
            if len(ms) < 2:
                continue
            sub = by_unit.loc[ms]
            target = refs.get((ind, g))
            target = target / scale if target is not None and np.isfinite(target) else None
            adj = default_method(kind) if adjust == "default" else adjust
            f = funnel(sub["observed"].to_numpy(float), sub["denominator"].to_numpy(float), kind, target=target,
                       limits=limits, adjust=adj, units=ms, scale=scale)
            plain = funnel(sub["observed"].to_numpy(float), sub["denominator"].to_numpy(float), kind, target=target,
                           limits=limits, units=ms, scale=scale)
            od = f.attrs["overdispersion"]
            owner = gm["unit"].iloc[0] if "partition" not in groups.attrs else None
            rows = pd.DataFrame({
                "indicator": ind, "year": sub["year"].to_numpy(), "group": g, "unit": ms,
                "name": sub["name"].to_numpy(), "value": f["value"].to_numpy(),
                "precision": f["precision"].to_numpy(), "target": f["target"].to_numpy(),
                "lower_95": f["lower_95"].to_numpy(), "upper_95": f["upper_95"].to_numpy(),
                "lower_998": f["lower_998"].to_numpy(), "upper_998": f["upper_998"].to_numpy(),
                "class": f["class"].to_numpy(), "class_unadjusted": plain["class"].to_numpy(),
                "limits": f.attrs["limits"], "phi": od.phi if od is not None else np.nan,
                "tau2": od.tau2 if od is not None else np.nan,
                "overdispersed": bool(f.attrs["overdispersed"]),
                "distance": [dist.get((owner, m), (np.nan, None))[0] for m in ms],
                "rank": [dist.get((owner, m), (np.nan, None))[1] for m in ms],
                "persons": sub["persons"].to_numpy(float), "share_numerator": sub["share_numerator"].to_numpy(float),
                "denominator": sub["denominator"].to_numpy(float),
            })
            parts.append(rows)
    cols = ["indicator", "year", "group", "unit", "name", *FUNNEL_VALUES, "persons", "share_numerator", "denominator"]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    out["rank"] = pd.to_numeric(out["rank"], errors="coerce")
    return out[cols]


def protect_funnel(table: pd.DataFrame, policy, *, name: str = "benchmark funnel") -> Protected:
    """A :func:`funnel_table` protected (its units are published ones; the
    rules are applied again all the same).

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> from kvarter.benchmark import reference_groups
    >>> v = pd.DataFrame({"indicator": "s", "unit_id": list("ABC"), "year": 2024, "value": [0.3, 0.1, 0.25],
    ...     "numerator": [30.0, 10.0, 50.0], "denominator": [100.0, 100.0, 200.0], "persons": [100, 100, 200]})
    >>> g = reference_groups(list("ABC"), "country", include_self=True)
    >>> c = protect_comparison(v, g, DisclosurePolicy(), kinds={"s": "share"})
    >>> f = protect_funnel(funnel_table(c, g, kinds={"s": "share"}, adjust=None), DisclosurePolicy()).frame
    >>> f[["unit", "target", "class"]].values.tolist()
    [['A', 0.225, 'inside'], ['B', 0.225, 'below_998'], ['C', 0.225, 'inside']]
    """
    return protect(table, policy, key=["indicator", "year", "group", "unit", "name"], value_columns=FUNNEL_VALUES,
                   count_column="persons", numerator_column="share_numerator", denominator_column="denominator",
                   name=name)


SPINE_VALUES = ["value", "group_min", "q1", "median", "q3", "group_max", "reference", "members", "funnel_class"]


def protect_spine(comparison: Protected, funnel: Protected, policy, *, units=None,
                  name: str = "benchmark spine") -> Protected:
    """Spine-chart rows for ``units`` (default: every published unit): the
    unit's value against the range, quartiles and reference of its group's
    published members, coloured by its funnel class.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> from kvarter.benchmark import reference_groups
    >>> v = pd.DataFrame({"indicator": "s", "unit_id": list("ABCDE"), "year": 2024,
    ...     "numerator": [60.0, 10, 20, 30, 40], "denominator": [100.0] * 5, "persons": [100] * 5})
    >>> v["value"] = v["numerator"] / v["denominator"]
    >>> g = reference_groups(list("ABCDE"), "country", include_self=True)
    >>> c = protect_comparison(v, g, DisclosurePolicy(), kinds={"s": "share"})
    >>> fu = protect_funnel(funnel_table(c, g, kinds={"s": "share"}, adjust=None), DisclosurePolicy())
    >>> s = protect_spine(c, fu, DisclosurePolicy(), units=["A"]).frame
    >>> s[["value", "group_min", "q1", "median", "q3", "group_max", "reference", "funnel_class"]].values.tolist()
    [[0.6, 0.1, 0.2, 0.3, 0.4, 0.6, 0.32, 'above_998']]
    """
    pub = published_units(comparison)
    refs = published_references(comparison)
    ff = funnel.frame
    fclass = {(i, g, u): c for i, g, u, c in zip(ff["indicator"], ff["group"], ff["unit"], ff["class"])}
    rows = []
    for (ind, g), part in pub.groupby(["indicator", "group"], sort=False):
        q = np.quantile(part["value"].to_numpy(float), [0, 0.25, 0.5, 0.75, 1])
        for r in part.itertuples():
            if units is not None and r.unit not in set(map(str, units)):
                continue
            rows.append({"indicator": ind, "year": int(r.year), "group": g, "unit": r.unit, "name": r.name,
                         "value": r.value, "group_min": q[0], "q1": q[1], "median": q[2], "q3": q[3],
                         "group_max": q[4], "reference": refs.get((ind, g), np.nan), "members": float(len(part)),
                         "funnel_class": fclass.get((ind, g, r.unit)), "persons": r.persons,
                         "share_numerator": r.share_numerator, "denominator": r.denominator})
    cols = ["indicator", "year", "group", "unit", "name", *SPINE_VALUES, "persons", "share_numerator", "denominator"]
    t = pd.DataFrame(rows, columns=cols)
    return protect(t, policy, key=["indicator", "year", "group", "unit", "name"], value_columns=SPINE_VALUES,
                   count_column="persons", numerator_column="share_numerator", denominator_column="denominator",
                   name=name)


def protect_benchmark(values: pd.DataFrame, groups: pd.DataFrame, policy, *, kinds: dict, sums: set = frozenset(),
                      names: dict | None = None, hidden: set | None = None, published_elsewhere: set | None = None,
                      spine_units=None, prefix: str = "benchmark", adjust: str | None = "default") -> dict[str, Protected]:
    """The three benchmark tables of one grouping: ``<prefix>_comparison``,
    ``<prefix>_funnel`` and ``<prefix>_spine`` (see the functions above).

    ``groups`` must include each unit in its own group
    (``reference_groups(..., include_self=True)``): the published reference
    is the one including the unit.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> from kvarter.benchmark import reference_groups
    >>> v = pd.DataFrame({"indicator": "s", "unit_id": list("ABC"), "year": 2024, "value": [0.3, 0.1, 0.25],
    ...     "numerator": [30.0, 10.0, 50.0], "denominator": [100.0, 100.0, 200.0], "persons": [100, 100, 200]})
    >>> t = protect_benchmark(v, reference_groups(list("ABC"), "country", include_self=True), DisclosurePolicy(),
    ...                       kinds={"s": "share"})
    >>> sorted(t), len(t["benchmark_spine"])
    (['benchmark_comparison', 'benchmark_funnel', 'benchmark_spine'], 3)
    >>> protect_benchmark(v, reference_groups(list("ABC"), "country"), DisclosurePolicy(), kinds={"s": "share"})
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: protect_benchmark publishes the reference including the unit; pass groups made with include_self=True (a reference excluding the unit beside the group's total would give the unit away).
    """
    from kvarter.errors import InputError

    if not groups.attrs.get("include_self", False):
        raise InputError("protect_benchmark publishes the reference including the unit; pass groups made with "
                         "include_self=True (a reference excluding the unit beside the group's total would give "
                         "the unit away).")
    comp = protect_comparison(values, groups, policy, kinds=kinds, sums=sums, names=names, hidden=hidden,
                              published_elsewhere=published_elsewhere, name=f"{prefix} comparison")
    fun = protect_funnel(funnel_table(comp, groups, kinds=kinds, adjust=adjust), policy, name=f"{prefix} funnel")
    spine = protect_spine(comp, fun, policy, units=spine_units, name=f"{prefix} spine")
    return {f"{prefix}_comparison": comp, f"{prefix}_funnel": fun, f"{prefix}_spine": spine}
