"""Segregation from published counts: The Hague's neighbourhoods (CBS 2019), read in place."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kvarter.segregation import analyse_segregation
from kvarter.segregation.aggregates import counts_from_aggregates
from kvarter.store import Store

CBS = "cbs_kwb2019_84583NED_denhaag.csv"


def _independent(reference_dir):
    raw = pd.read_csv(reference_dir / CBS, sep=";", dtype=str, encoding="utf-8-sig")
    raw = raw.apply(lambda c: c.str.strip())
    b = raw[raw["SoortRegio_2"] == "Buurt"]
    cols = ["AantalInwoners_5", "WestersTotaal_17", "NietWestersTotaal_18"]
    b = b[(b[cols] != ".").all(axis=1)]
    tot, w, nw = (b[c].astype(float).to_numpy() for c in cols)
    native = tot - w - nw
    keep = tot > 0
    return b["WijkenEnBuurten"].to_numpy()[keep], native[keep], nw[keep], w[keep]


def test_dissimilarity_across_the_hagues_neighbourhoods(tmp_path, reference_dir):
    with Store(tmp_path / "k.duckdb") as store:
        store.load(reference_dir / CBS, table="aggregates", format="cbs")
        agg = store.read("aggregates")
    got = counts_from_aggregates(agg, "origin", unit_kind="neighbourhood", municipality="GM0518")
    analysis = analyse_segregation(got.counts, units="area", permutations=0, bootstrap=0,
                                   min_unit_size=0, min_municipality_size=0)
    r = analysis.results
    d = r[(r["pair"] == "native_vs_non_western") & (r["index"] == "dissimilarity")]["estimate"].item()

    units, native, nw, _ = _independent(reference_dir)
    expected = 0.5 * np.abs(native / native.sum() - nw / nw.sum()).sum()
    assert d == np.float64(expected) or abs(d - expected) < 1e-12
    assert got.left_out.empty  # no origin count is suppressed in this file


def test_neighbourhoods_with_suppressed_counts_are_left_out_not_zeroed(tmp_path, reference_dir):
    with Store(tmp_path / "k.duckdb") as store:
        store.load(reference_dir / CBS, table="aggregates", format="cbs")
        agg = store.read("aggregates")
    got = counts_from_aggregates(agg, "education_level", unit_kind="neighbourhood", total=None, complement=None)
    raw = pd.read_csv(reference_dir / CBS, sep=";", dtype=str, encoding="utf-8-sig").apply(lambda c: c.str.strip())
    edu = ["OpleidingsniveauLaag_64", "OpleidingsniveauMiddelbaar_65", "OpleidingsniveauHoog_66"]
    dots = raw[(raw["SoortRegio_2"] == "Buurt") & (raw[edu] == ".").any(axis=1)]["WijkenEnBuurten"]
    assert sorted(got.left_out["unit"]) == sorted(dots) and len(dots) == 5
    assert not got.counts["unit"].isin(set(dots)).any()


def test_command_on_aggregates(tmp_path, reference_dir):
    from typer.testing import CliRunner

    from kvarter.cli.main import app

    db = tmp_path / "k.duckdb"
    runner = CliRunner(env={"COLUMNS": "200"})
    assert runner.invoke(app, ["load", str(reference_dir / CBS), "--table", "aggregates", "--format", "cbs",
                               "--store", str(db)]).exit_code == 0
    res = runner.invoke(app, ["segregation", "--store", str(db), "--aggregates", "origin", "--permutations", "20",
                              "--bootstrap", "20", "--out", str(tmp_path / "out"), "--no-charts"])
    assert res.exit_code == 0, res.output
    written = pd.read_csv(tmp_path / "out" / "segregation_results.csv")
    d = written[(written["pair"] == "native_vs_non_western") & (written["index"] == "dissimilarity")]
    _, native, nw, _ = _independent(reference_dir)
    assert abs(d["estimate"].item() - 0.5 * np.abs(native / native.sum() - nw / nw.sum()).sum()) < 1e-12
