"""Benchmark: the whole indicator catalogue on DuckDB against plain pandas.

``python -m benchmarks indicators -- --sizes 1e6,1e7`` generates person-year
data of each size in DuckDB SQL (5 years, households of three, 500 areas in
20 municipalities and 4 regions), then times, in the same run and on the same
rows, (1) ``compute_tables`` on DuckDB and (2) a straightforward pandas
implementation: derived fields once, then a mask and a groupby per indicator,
roll-ups, pooling and ratios per indicator. Each size runs in a fresh process
so peak memory (ru_maxrss) is per size. Prints seconds, rows/s, peak memory
the catalogue / floor ratio (goal <= 2.5x) and the pandas / DuckDB ratio. Pass ``--no-pandas`` for DuckDB alone (60 M).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import time

YEARS = 5

GENERATE_SQL = """
CREATE OR REPLACE TABLE persons AS
WITH base AS (
  SELECT range AS i, range // {years} AS p, 2019 + range % {years} AS year FROM range({n})
), hh AS (
  SELECT *, p // 3 AS h, hash(p) AS hp FROM base
)
SELECT
  'p' || p AS person_id,
  year::INTEGER AS year,
  'M' || lpad(((hash(h, 1) % 500) // 25)::VARCHAR, 2, '0') AS municipality,
  'A' || lpad((hash(h, 1) % 500)::VARCHAR, 3, '0') AS area_id,
  ((hp % 90)::INTEGER + (year - 2019))::INTEGER AS age,
  CASE WHEN hp % 2 = 0 THEN 'm' ELSE 'f' END AS sex,
  CASE WHEN hash(p, 2) % 10 < 6 THEN 'native' WHEN hash(p, 2) % 10 < 7 THEN 'western' ELSE 'non_western' END AS origin,
  CASE WHEN hash(p, 2) % 10 < 6 THEN 'none' ELSE 'immigrant' END AS generation,
  'h' || h AS household_id,
  (['single_no_children', 'single_with_children', 'couple_no_children', 'couple_with_children', 'other'])[(1 + hash(h, 3) % 5)::BIGINT] AS household_type,
  3 AS household_size,
  CASE WHEN (hp % 90) < 16 OR hash(p, 4) % 20 = 0 THEN NULL
       ELSE (['basic', 'upper_secondary', 'vocational', 'short_tertiary', 'medium_tertiary', 'long_tertiary'])[(1 + hash(p, 4) % 6)::BIGINT] END AS education,
  (hash(p, year, 5) % 10 < 2) AS in_education,
  CASE WHEN (hp % 90) + (year - 2019) < 16 THEN 'child' WHEN (hp % 90) + (year - 2019) >= 67 THEN 'retired'
       ELSE (['employed', 'employed', 'employed', 'unemployed', 'outside_labour_force', 'in_education'])[(1 + hash(p, year, 6) % 6)::BIGINT] END AS labour_status,
  (100000 + hash(p, year, 7) % 600000)::DOUBLE AS income_gross,
  (150000 + hash(h, year, 8) % 700000)::DOUBLE AS household_disposable_income,
  (hash(p, year, 9) % 100 < 3) AS convicted,
  (hash(p, year, 10) % 100 < 5) AS charged,
  (CASE WHEN hash(p, year, 10) % 100 < 5 THEN 1 + hash(p, year, 11) % 3 ELSE 0 END)::INTEGER AS charges,
  (hash(p, year, 12) % 100 < 25) AS chronic_condition,
  NULL::VARCHAR AS school_id,
  (hash(p, 13) % 100 < 80) AS in_youth_education,
  NULL::VARCHAR AS parents_education,
  (['owner', 'cooperative', 'social_rent', 'municipal_rent', 'private_rent'])[(1 + hash(h, 14) % 5)::BIGINT] AS tenure,
  (1 + hash(h, 15) % 5)::INTEGER AS rooms,
  (30 + hash(h, 16) % 120)::DOUBLE AS dwelling_m2
FROM hh;
CREATE OR REPLACE TABLE areas AS
SELECT DISTINCT area_id, municipality, 'R' || (substr(municipality, 2)::INTEGER // 5) AS region FROM persons;
"""


# --- the pandas baseline: one mask and one groupby per indicator -----------------


def _mask(d, cond):
    import numpy as np

    col = d[cond["field"]]
    if "is_null" in cond:
        return col.isna() if cond["is_null"] else col.notna()
    if "eq" in cond:
        m = col == cond["eq"]
    elif "in" in cond:
        m = col.isin(cond["in"])
    elif "not_in" in cond:
        m = ~col.isin(cond["not_in"])
    elif "below_median" in cond:
        m = col < cond["below_median"] * d["__median_" + cond["field"]]
    else:
        op = next(k for k in ("ne", "lt", "le", "gt", "ge") if k in cond)
        other = d[cond[op]["field"]] if isinstance(cond[op], dict) else cond[op]
        m = getattr(col, op)(other)
    return (m & col.notna()).to_numpy(dtype=bool) if hasattr(m, "to_numpy") else np.asarray(m, dtype=bool)


def pandas_catalogue(d, areas, catalogue):
    """The catalogue in plain pandas (the baseline); returns the number of result rows."""
    import numpy as np
    import pandas as pd

    d = d.copy()
    d["household_persons"] = d["household_size"].astype(float)
    d["equivalised_income"] = d["household_disposable_income"] / np.sqrt(d["household_persons"])
    d["m2_per_person"] = d["dwelling_m2"] / d["household_persons"]
    d = d.sort_values(["person_id", "year"])
    g = d.groupby("person_id")
    lag1, lag2, year2 = g["equivalised_income"].shift(1), g["equivalised_income"].shift(2), g["year"].shift(2)
    d["equivalised_income_3y"] = ((d["equivalised_income"] + lag1 + lag2) / 3).where(year2 == d["year"] - 2)
    for name in ("equivalised_income", "equivalised_income_3y"):
        d["__median_" + name] = d["year"].map(d.groupby("year")[name].median())
    d["region"] = d["area_id"].map(areas.set_index("area_id")["region"])
    n_rows = 0
    for ind in catalogue:
        conds = []
        lo, hi = ind.population.age
        if lo is not None:
            conds.append({"field": "age", "ge": lo})
        if hi is not None:
            conds.append({"field": "age", "le": hi})
        conds += [c.model_dump(exclude_none=True, by_alias=True) for c in ind.population.where]
        if ind.unit == "mean":
            conds.append({"field": ind.numerator.sum, "is_null": False})
        pop = np.ones(len(d), dtype=bool)
        for c in conds:
            pop &= _mask(d, c)
        w = 1.0 / d["household_persons"].to_numpy() if ind.counting == "households" else 1.0
        cols = {"den": pop * w}
        if ind.numerator is None:
            cols["num"] = pop * w
        elif ind.numerator.sum:
            cols["num"] = np.where(pop, d[ind.numerator.sum].fillna(0).to_numpy(float) * w, 0.0)
        else:
            num = pop.copy()
            for c in ind.numerator.where:
                num &= _mask(d, c.model_dump(exclude_none=True, by_alias=True))
            cols["num"] = num * w
        frame = pd.DataFrame(cols, index=d.index).assign(
            area_id=d["area_id"], municipality=d["municipality"], region=d["region"], year=d["year"])
        levels = {}
        for level, keys in (("area", ["area_id"]), ("municipality", ["municipality"]), ("region", ["region"]), ("country", [])):
            t = frame.groupby(keys + ["year"])[["num", "den"]].sum()
            if ind.years > 1:
                t = t.groupby(level=keys or None).rolling(ind.years).sum().droplevel(0) if keys else t.rolling(ind.years).sum()
            t["raw"] = t["num"] / t["den"]
            levels[level] = t
        if ind.reference is not None:
            ref = levels[ind.reference]["raw"]
            area = levels["area"].reset_index()
            if ind.reference == "country":
                area["ref"] = area["year"].map(ref)
            else:
                parent = frame.drop_duplicates("area_id").set_index("area_id")[ind.reference]
                area["ref"] = ref.reindex(pd.MultiIndex.from_arrays([area["area_id"].map(parent), area["year"]])).to_numpy()
            area["value"] = area["raw"] / area["ref"]
            levels["area"] = area
        n_rows += sum(len(t) for t in levels.values())
    return n_rows


def floor_sql(con, catalogue) -> str:
    """The floor query: every column the catalogue reads, scanned once, summed by area and year."""
    from kvarter.indicators.compile import BASE_COLUMNS, DERIVED_FIELDS, GROUP_KEYS

    used = set().union(*(set(i.fields()) for i in catalogue))
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = 'persons'").fetchall())
    household = ("household_size", "household_id", "household_disposable_income", "dwelling_m2")
    cols = [c for c in types if c in used or c in BASE_COLUMNS or (c in household and used & set(DERIVED_FIELDS))]
    sums = []
    for c in cols:
        if c in GROUP_KEYS:
            continue
        t = types[c]
        if t == "BOOLEAN":
            sums.append(f"SUM({c}::INTEGER)")
        elif t in ("VARCHAR",):
            sums.append(f"COUNT({c})")
        else:
            sums.append(f"SUM({c})")
    sums.append("SUM(eq3)")
    return (
        f"SELECT {', '.join(GROUP_KEYS)}, {', '.join(sums)} FROM ("
        f" SELECT *, CASE WHEN lag(year, 2) OVER w = year - 2 THEN"
        f"  (eq + lag(eq, 1) OVER w + lag(eq, 2) OVER w) / 3 END AS eq3"
        f" FROM (SELECT {', '.join(cols)}, household_disposable_income / sqrt(household_size) AS eq FROM persons)"
        f" WINDOW w AS (PARTITION BY person_id ORDER BY year)"
        f") GROUP BY {', '.join(GROUP_KEYS)}"
    )


def run_size(n: int, with_pandas: bool) -> dict:
    import duckdb
    import ibis

    from kvarter.indicators import compute_tables, load_catalogue

    res = {"rows": n}
    # Large sizes live in a DuckDB file, as a user's store does, so the data
    # itself need not fit in memory; the memory limit leaves room for Python.
    tmp = None
    if n > 20_000_000:
        import tempfile

        tmp = tempfile.TemporaryDirectory(prefix="kvarter-bench-")
        con = duckdb.connect(f"{tmp.name}/bench.duckdb")
        con.execute("SET memory_limit = '16GB'")
        con.execute(f"SET temp_directory = '{tmp.name}/spill'")
    else:
        con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    t0 = time.perf_counter()
    con.execute(GENERATE_SQL.format(n=n, years=YEARS))
    res["generate_s"] = time.perf_counter() - t0
    backend = ibis.duckdb.from_connection(con)
    catalogue = load_catalogue()
    sql = floor_sql(con, catalogue)
    t0 = time.perf_counter()
    con.execute(sql).fetch_arrow_table()
    res["floor_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = compute_tables(backend.table("persons"), backend.table("areas"), catalogue)
    res["duckdb_s"] = time.perf_counter() - t0
    res["result_rows"] = len(out)
    res["indicators"] = out["indicator"].nunique()
    res["duckdb_peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if with_pandas:
        d = con.execute("SELECT * FROM persons").df()
        areas = con.execute("SELECT * FROM areas").df()
        con.close()
        t0 = time.perf_counter()
        pandas_catalogue(d, areas, catalogue)
        res["pandas_s"] = time.perf_counter() - t0
        res["pandas_peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if tmp is not None:
        con.close()
        tmp.cleanup()
    return res


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_indicators", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e6,1e7", help="comma-separated row counts (default 1e6,1e7; 6e7 on request)")
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas baseline (for 60 M rows)")
    args = parser.parse_args(argv)
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    ctx = mp.get_context("spawn")
    print(f"{'rows':>12} {'floor s':>8} {'duckdb s':>9} {'/floor':>7} {'rows/s':>12} {'peak MiB':>9} {'pandas s':>9} {'rows/s':>12} {'peak MiB':>9} {'ratio':>7}")
    for n in sizes:
        with ctx.Pool(1) as pool:
            r = pool.apply(run_size, (n, not args.no_pandas))
        line = (f"{n:>12,} {r['floor_s']:>8.2f} {r['duckdb_s']:>9.2f} {r['duckdb_s'] / r['floor_s']:>6.1f}x"
                f" {n / r['duckdb_s']:>12,.0f} {r['duckdb_peak_mib']:>9,.0f}")
        if "pandas_s" in r:
            line += f" {r['pandas_s']:>9.2f} {n / r['pandas_s']:>12,.0f} {r['pandas_peak_mib']:>9,.0f} {r['pandas_s'] / r['duckdb_s']:>6.1f}x"
        print(line, flush=True)
        print(f"{'':>12} ({r['indicators']} indicators, {r['result_rows']:,} result rows; data generated in {r['generate_s']:.1f} s)", flush=True)
        ratio = r["duckdb_s"] / r["floor_s"]
        print(f"{'':>12} catalogue / floor = {ratio:.2f}x (goal <= 2.5x: {'met' if ratio <= 2.5 else 'NOT met'})", flush=True)
