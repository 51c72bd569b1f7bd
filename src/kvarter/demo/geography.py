"""Areas, polygons and schools of the synthetic municipalities.

Each municipality is a fixed rectangle on the map (near 55.7 N 12.5 E, one in
Region Sjælland further south-west) cut into a grid of cells whose inner
corners are jittered, so the tiling looks irregular while cells still share
their edges: no gaps inside a municipality and no overlaps anywhere. A cell
is a housing area or a neighbourhood; each grid row is an urban area that
groups its cells (``parent_area``). Schools sit in evenly spread areas and
every area knows its nearest school.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kvarter.demo.profiles import MUNICIPALITIES, Municipality

# South-west corner (lat, lon) and size (dlat, dlon) of each municipality's block.
_BLOCKS = {
    "DEM": (55.740, 12.520, 0.045, 0.100),
    "NOR": (55.795, 12.430, 0.040, 0.090),
    "VES": (55.725, 12.380, 0.035, 0.070),
    "SYD": (55.430, 11.800, 0.045, 0.090),
}
_JITTER = 0.18  # of a cell; below 0.25 keeps every jittered quad simple and convex


@dataclass(frozen=True)
class Geography:
    """The areas table (contract columns) plus what the population model needs
    about the residential areas (those people live in), in the same order."""

    areas: pd.DataFrame
    schools: pd.DataFrame
    residential: pd.DataFrame  # area_id, municipality, region, profile, persons, school_index
    school_municipality: np.ndarray  # municipality index per school


def allocate(total: int, weights, minimum: int = 0) -> np.ndarray:
    """Split ``total`` into whole numbers proportional to ``weights`` (largest
    remainder), each at least ``minimum``.

    >>> allocate(10, [0.5, 0.25, 0.25]).tolist()
    [5, 3, 2]
    >>> allocate(3, [0.9, 0.05, 0.05], minimum=1).tolist()
    [1, 1, 1]
    """
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    base = np.full(len(w), minimum, dtype=np.int64)
    rest = total - base.sum()
    raw = rest * w
    out = base + np.floor(raw).astype(np.int64)
    short = total - out.sum()
    order = np.argsort(-(raw - np.floor(raw)), kind="stable")
    out[order[:short]] += 1
    return out


def _ring(points: list[tuple[float, float]]) -> list[list[float]]:
    ring = [[round(lon, 6), round(lat, 6)] for lat, lon in points]
    return ring + [ring[0]]


def _polygon(points: list[tuple[float, float]]) -> str:
    return json.dumps({"type": "Polygon", "coordinates": [_ring(points)]}, separators=(",", ":"))


def _grid(m: Municipality, n: int, rng: np.random.Generator):
    """Jittered vertex grid for ``n`` cells: returns (rows, cols, vertex array)."""
    lat0, lon0, dlat, dlon = _BLOCKS[m.code]
    cols = math.ceil(math.sqrt(n * dlon / dlat / 1.6))
    cols = max(1, min(cols, n))
    rows = math.ceil(n / cols)
    lat = lat0 + dlat * np.arange(rows + 1)[:, None] / rows * np.ones((1, cols + 1))
    lon = lon0 + dlon * np.arange(cols + 1)[None, :] / cols * np.ones((rows + 1, 1))
    inner = np.zeros((rows + 1, cols + 1), dtype=bool)
    inner[1:-1, 1:-1] = True
    lat = lat + inner * rng.uniform(-_JITTER, _JITTER, lat.shape) * dlat / rows
    lon = lon + inner * rng.uniform(-_JITTER, _JITTER, lon.shape) * dlon / cols
    return rows, cols, lat, lon


def _names(base: tuple[str, ...], k: int) -> list[str]:
    return [base[i % len(base)] + ("" if i < len(base) else f" {i // len(base) + 1}") for i in range(k)]


def build_geography(persons: int, areas: int, schools: int, rng: np.random.Generator) -> Geography:
    """Lay out ``areas`` residential areas and ``schools`` schools over the
    municipalities, with target resident counts summing to ``persons``.

    >>> g = build_geography(1000, 20, 6, np.random.default_rng(0))
    >>> len(g.residential), int(g.residential["persons"].sum()), len(g.schools)
    (20, 1000, 6)
    >>> sorted(g.areas["kind"].unique())
    ['housing_area', 'neighbourhood', 'urban_area']
    """
    n_housing = np.array([len(m.housing) for m in MUNICIPALITIES])
    shares = np.array([m.share for m in MUNICIPALITIES])
    n_neigh = allocate(areas - int(n_housing.sum()), shares, minimum=1)
    n_school = allocate(schools, shares, minimum=1)
    muni_persons = allocate(persons, shares)

    area_rows, res_rows, school_rows, school_muni = [], [], [], []
    for mi, m in enumerate(MUNICIPALITIES):
        n = int(n_housing[mi] + n_neigh[mi])
        rows, cols, vlat, vlon = _grid(m, n, rng)
        position = rng.permutation(n)  # scatter housing areas over the grid
        house_share = np.array([h.share for h in m.housing])
        nb_weight = np.clip(1 + 0.25 * rng.standard_normal(n_neigh[mi]), 0.5, 1.5)
        nb_share = (1 - house_share.sum()) * nb_weight / nb_weight.sum()
        counts = allocate(int(muni_persons[mi]), np.concatenate([house_share, nb_share]))
        names = [h.name for h in m.housing] + _names(m.neighbourhood_names, int(n_neigh[mi]))
        profiles = [h.profile for h in m.housing] + [
            m.neighbourhoods[k % len(m.neighbourhoods)] for k in range(n_neigh[mi])
        ]
        ids = [f"{m.code}-H{k + 1:02d}" for k in range(n_housing[mi])] + [
            f"{m.code}-N{k + 1:02d}" for k in range(n_neigh[mi])
        ]
        cells_in_row = [min(cols, n - r * cols) for r in range(rows)]
        for r in range(rows):
            c = cells_in_row[r]
            outline = [(vlat[r, j], vlon[r, j]) for j in range(c + 1)] + [
                (vlat[r + 1, j], vlon[r + 1, j]) for j in range(c, -1, -1)
            ]
            area_rows.append(
                dict(area_id=f"{m.code}-U{r + 1}", name=f"{m.name} bydel {r + 1}", municipality=m.name,
                     region=m.region, kind="urban_area", parent_area=None, social_housing=False,
                     geometry=_polygon(outline))
            )
        centroids = np.zeros((n, 2))
        for k in range(n):
            r, j = divmod(int(position[k]), cols)
            corners = [(vlat[r, j], vlon[r, j]), (vlat[r, j + 1], vlon[r, j + 1]),
                       (vlat[r + 1, j + 1], vlon[r + 1, j + 1]), (vlat[r + 1, j], vlon[r + 1, j])]
            centroids[k] = np.mean(corners, axis=0)
            housing = k < n_housing[mi]
            area_rows.append(
                dict(area_id=ids[k], name=names[k], municipality=m.name, region=m.region,
                     kind="housing_area" if housing else "neighbourhood",
                     parent_area=f"{m.code}-U{r + 1}", social_housing=bool(housing),
                     geometry=_polygon(corners))
            )
        # Schools in evenly spread cells (grid order), nearest school per area.
        grid_order = np.argsort(position)
        sites = grid_order[((np.arange(n_school[mi]) + 0.5) * n / n_school[mi]).astype(int)]
        first_school = len(school_rows)
        for s, site in enumerate(sites):
            school_rows.append(
                dict(school_id=f"{m.code}-S{s + 1:02d}", name=f"{names[site]} Skole", municipality=m.name,
                     area_id=ids[site])
            )
            school_muni.append(mi)
        scale = np.array([1.0, math.cos(math.radians(m.lat))])
        d = (((centroids[:, None, :] - centroids[sites][None, :, :]) * scale) ** 2).sum(axis=2)
        nearest = first_school + d.argmin(axis=1)
        for k in range(n):
            res_rows.append(
                dict(area_id=ids[k], municipality=m.name, region=m.region, municipality_index=mi,
                     profile=profiles[k], persons=int(counts[k]), school_index=int(nearest[k]))
            )
    schools_df = pd.DataFrame(school_rows, columns=["school_id", "name", "municipality", "area_id"])
    dup = schools_df["name"].duplicated(keep=False)
    schools_df.loc[dup, "name"] = schools_df.loc[dup, "name"] + " " + schools_df.loc[dup, "school_id"].str[-2:]
    areas_df = pd.DataFrame(area_rows)
    return Geography(
        areas=areas_df,
        schools=schools_df,
        residential=pd.DataFrame(res_rows),
        school_municipality=np.array(school_muni, dtype=np.int64),
    )
