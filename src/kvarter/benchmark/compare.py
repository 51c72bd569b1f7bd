"""The comparison of each unit with its reference group, per indicator and
year, and the index over the years in a sentence.

For unit u with members M (its reference group, without u unless the
grouping includes it), indicator value v_u, numerators and denominators:

* ``pooled`` reference: s · Σ_M num / Σ_M den (s the indicator's scale, e.g.
  1,000 for rates per 1,000) — only for indicators whose value *is* s·num/den;
* ``mean`` reference: the unweighted mean of the members' values;
* index = 100 · v_u / reference; difference = v_u − reference, in
  percentage points (× 100) for shares;
* percentile rank = 100 · (#members below + ½ #members equal) / #members;
* z-score = (v_u − mean) / sd of the members' values (sample sd, n − 1).

A member whose value is missing (a suppressed cell) is left out of its
groups' references, never read as zero; a unit whose own value is missing
gets no row and is named in ``.attrs["left_out"]``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kvarter.errors import InputError
from kvarter.validation import check_columns

COMPARISON_COLUMNS = [
    "unit", "group", "indicator", "year", "value", "numerator", "denominator", "reference_kind", "reference",
    "reference_numerator", "reference_denominator", "members", "index", "difference", "difference_unit",
    "percentile_rank", "z_score",
]


def indicator_kinds(ids) -> dict[str, str]:
    """What each indicator id measures — ``share``, ``per_1000``, ``mean``, ``count`` or ``ratio`` —
    from the built-in catalogue (ids it does not know are ``value``).

    >>> indicator_kinds(["non_western_share", "income_ratio_to_region", "mystery"])
    {'non_western_share': 'share', 'income_ratio_to_region': 'ratio', 'mystery': 'value'}
    """
    from kvarter.indicators.catalogue import load_catalogue

    known = {i.id: ("ratio" if i.comparison == "ratio" else i.unit) for i in load_catalogue().indicators}
    return {i: known.get(i, "value") for i in ids}


def _scales(t: pd.DataFrame) -> dict[str, float]:
    """Per indicator, the s with value = s·num/den on every row, or NaN when there is none."""
    out = {}
    for ind, g in t.groupby("indicator", sort=False):
        num, den, val = (g[c].to_numpy(dtype=float) for c in ("numerator", "denominator", "value"))
        ok = np.isfinite(num) & np.isfinite(den) & np.isfinite(val) & (den > 0)
        pos = ok & (num > 0)
        if not pos.any():
            out[ind] = np.nan
            continue
        s = float(np.median(val[pos] * den[pos] / num[pos]))
        fits = np.abs(val[ok] - s * num[ok] / den[ok]) <= 1e-9 * np.maximum(np.abs(val[ok]), 1e-12)
        out[ind] = s if fits.all() and s > 0 else np.nan
    return out


def _select(indicators: pd.DataFrame, groups: pd.DataFrame, year, level) -> pd.DataFrame:
    check_columns(list(indicators.columns), ["indicator", "unit_id", "year", "value"], "indicators", "compare")
    check_columns(list(groups.columns), ["unit", "group", "member"], "groups", "compare")
    t = indicators
    if level is not None:
        check_columns(list(t.columns), ["level"], "indicators", "compare")
        t = t[t["level"] == level]
    if year is not None:
        years = [year] if np.isscalar(year) else list(year)
        t = t[t["year"].isin(years)]
    needed = set(groups["unit"].astype(str)) | set(groups["member"].astype(str))
    t = t[t["unit_id"].astype(str).isin(needed)].copy()
    t["unit_id"] = t["unit_id"].astype(str)
    for c in ("numerator", "denominator"):
        if c not in t.columns:
            t[c] = np.nan
    dup = t.duplicated(["indicator", "unit_id", "year"])
    if dup.any():
        r = t[dup].iloc[0]
        levels = sorted(t["level"].unique()) if "level" in t.columns else []
        raise InputError(f"compare: unit {r['unit_id']!r} has several {r['indicator']!r} values for {r['year']}"
                         + (f" (levels {', '.join(levels)}); pass level=." if levels else "."))
    den = t["denominator"].astype(float)
    bad = (den < 0) | ((den == 0) & t["value"].notna())
    if bad.any():
        r = t[bad].iloc[0]
        raise InputError(f"compare: indicator {r['indicator']!r} has {int(bad.sum())} row(s) with a zero or negative "
                         f"denominator and a value (first: unit {r['unit_id']!r}, {r['year']}, denominator "
                         f"{float(r['denominator'])!r}); a denominator must be > 0 (a unit without one has no value).")
    if t.empty:
        raise InputError("compare: the indicator table has no row for the units of the reference groups"
                         + (f" in {year}" if year is not None else "") + ".")
    return t[["indicator", "unit_id", "year", "value", "numerator", "denominator"]]


def _pair_stats(t: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Reference statistics by joining each (unit, member) pair: the plain way."""
    g = groups[["unit", "group", "member"]].astype(str)
    vals = t.dropna(subset=["value"])
    mem = g.merge(vals.rename(columns={"unit_id": "member"}), on="member")
    own = vals.rename(columns={"unit_id": "unit", "value": "own"})[["indicator", "unit", "year", "own"]]
    mem = mem.merge(own, on=["indicator", "unit", "year"], how="inner")
    mem["below"] = (mem["value"] < mem["own"]).astype(float) + 0.5 * (mem["value"] == mem["own"])
    keys = ["unit", "group", "indicator", "year"]
    agg = mem.groupby(keys, sort=False).agg(
        ref_num=("numerator", lambda s: s.sum(min_count=len(s))), ref_den=("denominator", lambda s: s.sum(min_count=len(s))),
        mean=("value", "mean"), sd=("value", "std"), members=("value", "size"), below=("below", "sum"))
    return agg.reset_index()


def _partition_stats(t: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """The same statistics from group sums minus the unit itself: no pair join."""
    part = pd.Series(groups.attrs["partition"], dtype=object)
    include_self = bool(groups.attrs.get("include_self", False))
    focus = set(groups["unit"].astype(str))
    vals = t.dropna(subset=["value"]).copy()
    vals["group"] = vals["unit_id"].map(part)
    vals = vals.dropna(subset=["group"])
    keys = ["indicator", "year", "group"]
    vals["value2"] = vals["value"] ** 2
    vals["num_missing"] = vals["numerator"].isna()
    vals["den_missing"] = vals["denominator"].isna()
    grp = vals.groupby(keys, sort=False)
    tot = grp.agg(S_num=("numerator", "sum"), S_den=("denominator", "sum"), S_v=("value", "sum"),
                  S_v2=("value2", "sum"), N=("value", "size"), miss_num=("num_missing", "sum"),
                  miss_den=("den_missing", "sum"))
    vals["rank_min"] = grp["value"].rank(method="min")
    vals["rank_max"] = grp["value"].rank(method="max")
    u = vals[vals["unit_id"].isin(focus)].join(tot, on=keys)
    self_out = 0.0 if include_self else 1.0
    n = u["N"] - self_out
    num = u["numerator"].fillna(0) * self_out
    den = u["denominator"].fillna(0) * self_out
    miss_num = u["miss_num"] - (u["num_missing"] * self_out)
    miss_den = u["miss_den"] - (u["den_missing"] * self_out)
    s_v = u["S_v"] - u["value"] * self_out
    s_v2 = u["S_v2"] - u["value2"] * self_out
    mean = s_v / n
    with np.errstate(invalid="ignore", divide="ignore"):
        var = (s_v2 - n * mean**2) / (n - 1)
    below = (u["rank_min"] - 1) + 0.5 * (u["rank_max"] - u["rank_min"] + 1 - self_out)
    out = pd.DataFrame({
        "unit": u["unit_id"], "group": u["group"], "indicator": u["indicator"], "year": u["year"],
        "ref_num": (u["S_num"] - num).where(miss_num == 0), "ref_den": (u["S_den"] - den).where(miss_den == 0),
        "mean": mean, "sd": np.sqrt(np.clip(var, 0, None)).where(n > 1), "members": n, "below": below,
    })
    return out[out["members"] > 0].reset_index(drop=True)


def compare(indicators: pd.DataFrame, groups: pd.DataFrame, year=None, *, level: str | None = None,
            kinds: dict[str, str] | None = None) -> pd.DataFrame:
    """Each unit against its reference group, per indicator and year: the long comparison table.

    ``indicators`` is the long indicator table (``indicator, unit_id, year,
    value, numerator, denominator``, optionally ``level``: pass ``level=``
    when ids repeat across levels); ``groups`` the table of
    :func:`~kvarter.benchmark.groups.reference_groups`; ``year`` one year, a
    list, or None for all; ``kinds`` maps indicator ids to ``share`` (for
    differences in percentage points), ``per_1000``, ``mean``, ``count``,
    ``ratio`` (default: the built-in catalogue). Returns two rows per unit,
    indicator and year, ``reference_kind`` ``pooled`` and ``mean``
    (columns :data:`COMPARISON_COLUMNS`); see the module text.

    Examples
    --------
    >>> long = pd.DataFrame({"indicator": "s", "unit_id": ["A", "B", "C"], "year": 2024,
    ...     "numerator": [30.0, 10.0, 60.0], "denominator": [100.0, 100.0, 200.0], "value": [0.3, 0.1, 0.3]})
    >>> groups = pd.DataFrame({"unit": ["A", "A"], "group": "g", "member": ["B", "C"]})
    >>> c = compare(long, groups, kinds={"s": "share"})
    >>> c[["reference_kind", "reference", "index", "difference", "percentile_rank"]].round(3).values.tolist()
    [['pooled', 0.233, 128.571, 6.667, 75.0], ['mean', 0.2, 150.0, 10.0, 75.0]]
    """
    t = _select(indicators, groups, year, level)
    kinds = {**indicator_kinds(t["indicator"].unique()), **(kinds or {})}
    scales = _scales(t)
    stats_ = _partition_stats(t, groups) if "partition" in groups.attrs else _pair_stats(t, groups)
    own = t.rename(columns={"unit_id": "unit"})
    base = stats_.merge(own, on=["unit", "indicator", "year"], how="inner")
    base["scale"] = base["indicator"].map(scales)
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = base["scale"] * base["ref_num"] / base["ref_den"].where(base["ref_den"] > 0)
    rows = []
    for kind, ref, rnum, rden in (("pooled", pooled, base["ref_num"], base["ref_den"]),
                                  ("mean", base["mean"], np.nan, np.nan)):
        part = base[["unit", "group", "indicator", "year", "value", "numerator", "denominator", "members"]].copy()
        part["reference_kind"] = kind
        part["reference"] = ref.to_numpy()
        part["reference_numerator"] = rnum if np.isscalar(rnum) else rnum.where(np.isfinite(ref)).to_numpy()
        part["reference_denominator"] = rden if np.isscalar(rden) else rden.where(np.isfinite(ref)).to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            part["index"] = 100 * part["value"] / part["reference"].where(part["reference"] != 0)
        share = part["indicator"].map(kinds).eq("share")
        part["difference"] = (part["value"] - part["reference"]) * np.where(share, 100.0, 1.0)
        part["difference_unit"] = np.where(share, "percentage points", part["indicator"].map(kinds).map(
            {"per_1000": "per 1,000", "mean": "mean", "count": "count", "ratio": "ratio"}).fillna("value"))
        part["percentile_rank"] = (100 * base["below"] / base["members"]).to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            part["z_score"] = ((base["value"] - base["mean"]) / base["sd"].where(base["sd"] > 0)).to_numpy()
        if kind == "pooled":
            part = part[np.isfinite(part["reference"])]
        rows.append(part)
    out = pd.concat(rows, ignore_index=True)
    order = {"pooled": 0, "mean": 1}
    out = out.sort_values(["unit", "indicator", "year", "reference_kind"], kind="stable",
                          key=lambda s: s.map(order) if s.name == "reference_kind" else s)
    out = out[COMPARISON_COLUMNS].reset_index(drop=True)
    out["members"] = out["members"].astype("int64")
    missing_own = t[t["value"].isna() & t["unit_id"].isin(set(groups["unit"].astype(str)))]
    out.attrs["left_out"] = missing_own[["indicator", "unit_id", "year"]].rename(columns={"unit_id": "unit"}) \
        .reset_index(drop=True)
    out.attrs["not_poolable"] = sorted(i for i, s in scales.items() if not np.isfinite(s))
    out.attrs["include_self"] = bool(groups.attrs.get("include_self", False))
    return out


def _sentence(first_year, last_year, a: float, b: float) -> tuple[str, str]:
    side = lambda g: "above" if g > 0 else "below"  # noqa: E731
    ra, rb = round(abs(a)), round(abs(b))
    span = f"{first_year}-{last_year}"
    if np.sign(round(a)) * np.sign(round(b)) < 0:
        return "reversed", (f"the unit moved from {ra} points {side(a)} to {rb} points {side(b)} "
                            f"the reference group, {span}")
    if rb == 0:
        return "closed", f"the gap to the reference group closed (from {ra} points {side(a)}), {span}"
    if ra == rb:
        return "unchanged", f"the gap to the reference group stayed at {rb} points {side(b)}, {span}"
    word = "narrowed" if rb < ra else "widened"
    return word, f"the gap to the reference group {word} from {ra} to {rb} points, {span}"


def trend(comparison: pd.DataFrame, reference_kind: str = "pooled") -> pd.DataFrame:
    """The index over the years per unit and indicator, with a plain-language sentence.

    The gap is index − 100 (index points above or below the reference
    group) in the first and the last year with a value. Returns ``unit,
    group, indicator, reference_kind, first_year, last_year, years, gap_first,
    gap_last, direction, sentence``; ``direction`` is narrowed, widened,
    unchanged, closed or reversed (numbers rounded to whole points).

    >>> c = pd.DataFrame({"unit": "A", "group": "g", "indicator": "s", "year": [2015, 2020, 2024],
    ...                   "reference_kind": "pooled", "index": [131.0, 125.0, 122.0]})
    >>> trend(c)["sentence"].item()
    'the gap to the reference group narrowed from 31 to 22 points, 2015-2024'
    """
    check_columns(list(comparison.columns), ["unit", "group", "indicator", "year", "reference_kind", "index"],
                  "comparison", "trend")
    c = comparison[(comparison["reference_kind"] == reference_kind) & np.isfinite(comparison["index"])]
    rows = []
    for (unit, group, ind), g in c.sort_values("year").groupby(["unit", "group", "indicator"], sort=False):
        a, b = g["index"].iloc[0] - 100, g["index"].iloc[-1] - 100
        y0, y1 = int(g["year"].iloc[0]), int(g["year"].iloc[-1])
        direction, sentence = _sentence(y0, y1, a, b) if y1 > y0 else ("single year", "")
        rows.append({"unit": unit, "group": group, "indicator": ind, "reference_kind": reference_kind,
                     "first_year": y0, "last_year": y1, "years": len(g), "gap_first": a, "gap_last": b,
                     "direction": direction, "sentence": sentence})
    return pd.DataFrame(rows, columns=["unit", "group", "indicator", "reference_kind", "first_year", "last_year",
                                       "years", "gap_first", "gap_last", "direction", "sentence"])
