"""The synthetic municipality "Demoby": a seeded person-year panel, areas with
polygons, and schools, shaped after the sources (see ``docs/demo.md``).

Demoby is a wealthy municipality with a few small social housing estates
(Gentofte's key figures); its neighbour Nordby holds the larger housing areas
that meet the Danish state's criteria; Vestby (same region) and Sydstrup
(Region Sjælland) complete the picture so that area, municipality, region and
country figures all differ.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from kvarter.demo.benefits import benefit_status
from kvarter.demo.geography import build_geography
from kvarter.demo.panel import Context
from kvarter.demo.profiles import (
    EDUCATIONS,
    GENERATIONS,
    HOUSEHOLD_TYPES,
    LABOUR_STATUSES,
    MUNICIPALITIES,
    ORIGINS,
    TENURES,
)
from kvarter.demo.simulate import simulate
from kvarter.errors import InputError
from kvarter.validation import check_scalar

PERSON_COLUMNS = (
    "person_id", "year", "municipality", "area_id", "age", "sex", "origin", "generation", "household_id",
    "household_type", "household_size", "education", "in_education", "labour_status", "income_gross",
    "household_disposable_income", "convicted", "charged", "charges", "chronic_condition", "school_id",
    "in_youth_education", "parents_education", "tenure", "rooms", "dwelling_m2",
    # synthetic benefit status and deaths (issue 13): kvarter.demo.benefits, kvarter.demo.simulate
    "public_benefit", "activity_ready", "died",
)
AREA_COLUMNS = ("area_id", "name", "municipality", "region", "kind", "parent_area", "social_housing", "geometry")
SCHOOL_COLUMNS = ("school_id", "name", "municipality", "area_id")
MIN_AREAS = sum(len(m.housing) for m in MUNICIPALITIES) + len(MUNICIPALITIES)


def _years(years) -> list[int]:
    try:
        out = sorted({int(y) for y in years})
    except (TypeError, ValueError):
        raise InputError(f"The 'years' parameter of synthesize must be integer years; got {years!r}.") from None
    if not out or out[0] < 1900 or out[-1] > 2100:
        raise InputError(f"The 'years' parameter of synthesize must hold years in [1900, 2100]; got {years!r}.")
    return out


def _labels(codes: np.ndarray, labels) -> pd.Series:
    """Codes (-1 = missing) as a string column."""
    if (codes >= 0).all():
        # Taken from the few labels in Arrow (the string column's storage), not converted
        # from an array of every row's Python string.
        return pd.Series(pa.array(list(labels), type=pa.large_string()).take(pa.array(codes)), dtype="str")
    lab = np.array(list(labels) + [None], dtype=object)
    return pd.Series(lab[np.where(codes < 0, len(labels), codes)], dtype=object)


def _persons_frame(frames: list[dict], area_ids, area_munis, school_ids) -> pd.DataFrame:
    cols = {k: np.concatenate([f[k] for f in frames]) for k in frames[0]}
    pids = cols["person"]
    uniq, inv = np.unique(pids, return_inverse=True)
    hh_u, hh_inv = np.unique(cols["household"], return_inverse=True)
    out = pd.DataFrame({
        "person_id": _labels(inv, [f"P{i:07d}" for i in uniq]),
        "year": cols["year"].astype(np.int64),
        "municipality": _labels(cols["area"], area_munis),
        "area_id": _labels(cols["area"], area_ids),
        "age": cols["age"].astype(np.int64),
        "sex": _labels(cols["sex"], ("m", "f")),
        "origin": _labels(cols["origin"], ORIGINS),
        "generation": _labels(cols["generation"], GENERATIONS),
        "household_id": _labels(hh_inv, [f"H{i:07d}" for i in hh_u]),
        "household_type": _labels(cols["household_type"], HOUSEHOLD_TYPES),
        "household_size": cols["household_size"].astype(np.int64),
        "education": _labels(cols["education"], EDUCATIONS),
        "in_education": cols["in_education"].astype(bool),
        "labour_status": _labels(cols["labour_status"], LABOUR_STATUSES),
        "income_gross": cols["income_gross"].astype(float),
        "household_disposable_income": cols["household_disposable_income"].astype(float),
        "convicted": cols["convicted"].astype(bool),
        "charged": cols["charged"].astype(bool),
        "charges": cols["charges"].astype(np.int64),
        "chronic_condition": cols["chronic_condition"].astype(bool),
        "school_id": _labels(cols["school"], school_ids),
        "in_youth_education": cols["in_youth_education"].astype(bool),
        "parents_education": _labels(cols["parents_education"], EDUCATIONS),
        "tenure": _labels(cols["tenure"], TENURES),
        "rooms": cols["rooms"].astype(np.int64),
        "dwelling_m2": cols["dwelling_m2"].astype(float),
        "died": cols["died"].astype(bool),
    })
    return out.sort_values(["year", "person_id"], kind="stable", ignore_index=True)


def synthesize(
    persons: int = 50_000,
    areas: int = 40,
    schools: int = 16,
    years=range(2015, 2025),
    seed: int = 0,
    out: str | Path | None = None,
) -> dict[str, pd.DataFrame]:
    """Synthesise Demoby and its neighbours: ``{"persons", "areas", "schools"}``.

    ``persons`` residents in the first year (the population then changes a
    little as people are born, die and migrate), spread over ``areas``
    residential areas (housing areas and neighbourhoods; urban areas that
    group them come on top) and ``schools`` schools in four municipalities,
    one row per person and year in ``years``. The columns and codes are those
    of the ``persons``, ``areas`` and ``schools`` contracts. The same ``seed``
    gives identical tables; randomness comes only from a
    :class:`numpy.random.Generator` seeded here. With ``out`` the tables are
    also written there (see :func:`write_synthetic`).

    The housing areas meet the Danish state's criteria only with at least
    1,000 residents, which needs about the default 50,000 persons.

    >>> data = synthesize(persons=2_000, areas=20, schools=6, years=range(2020, 2023), seed=1)
    >>> sorted(data)
    ['areas', 'persons', 'schools']
    >>> int((data["persons"]["year"] == 2020).sum())
    2000
    >>> data["persons"].groupby("year").size().between(1_900, 2_100).all()
    np.True_
    >>> sorted(data["persons"]["municipality"].unique())
    ['Demoby', 'Nordby', 'Sydstrup', 'Vestby']
    """
    check_scalar(persons, "persons", "synthesize", kind=int, min_value=100)
    check_scalar(areas, "areas", "synthesize", kind=int, min_value=MIN_AREAS)
    check_scalar(schools, "schools", "synthesize", kind=int, min_value=len(MUNICIPALITIES))
    check_scalar(seed, "seed", "synthesize", kind=int, min_value=0)
    year_list = _years(years)
    rng = np.random.default_rng(seed)
    geo = build_geography(persons, areas, schools, rng)
    ctx = Context.from_residential(geo.residential, geo.school_municipality)
    frames = simulate(ctx, geo.residential["persons"].to_numpy(), year_list, rng)
    res = geo.residential
    persons_frame = _persons_frame(frames, res["area_id"].tolist(), res["municipality"].tolist(),
                                   geo.schools["school_id"].tolist())
    # Benefit status from its own generator, so the other columns stay as they were.
    benefits = benefit_status(persons_frame, np.random.default_rng([seed, 13]))
    persons_frame = pd.concat([persons_frame, benefits], axis=1)[list(PERSON_COLUMNS)]
    data = {
        "persons": persons_frame,
        "areas": geo.areas[list(AREA_COLUMNS)].reset_index(drop=True),
        "schools": geo.schools[list(SCHOOL_COLUMNS)].reset_index(drop=True),
    }
    if out is not None:
        write_synthetic(data, out)
    return data


def write_synthetic(data: dict[str, pd.DataFrame], out: str | Path) -> dict[str, Path]:
    """Write ``persons.parquet``, ``areas.geojson`` (polygons; properties are
    the other contract columns), ``areas.csv`` (without geometry) and
    ``schools.csv`` to the folder ``out``; return the paths by name.

    >>> import tempfile
    >>> data = synthesize(persons=500, areas=16, schools=4, years=[2024])
    >>> paths = write_synthetic(data, tempfile.mkdtemp())
    >>> sorted(p.name for p in paths.values())
    ['areas.csv', 'areas.geojson', 'persons.parquet', 'schools.csv']
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "persons": folder / "persons.parquet",
        "areas_geojson": folder / "areas.geojson",
        "areas": folder / "areas.csv",
        "schools": folder / "schools.csv",
    }
    data["persons"].to_parquet(paths["persons"], index=False)
    areas = data["areas"]
    features = [
        {
            "type": "Feature",
            "properties": {k: (None if pd.isna(row[k]) else row[k]) for k in AREA_COLUMNS if k != "geometry"},
            "geometry": json.loads(row["geometry"]),
        }
        for row in areas.to_dict("records")
    ]
    paths["areas_geojson"].write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8"
    )
    areas.drop(columns="geometry").to_csv(paths["areas"], index=False)
    data["schools"].to_csv(paths["schools"], index=False)
    return paths
