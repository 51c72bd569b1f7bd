"""Housing published: only aggregates pass, every published cell rests on
enough households, persons or children, the intruder recovers nothing from
the files, the working list never reaches an output, and the command and the
report show the figures.

Expected figures are counted here with pandas from Demodal's tables.
"""

from __future__ import annotations

import re
import zipfile

import pandas as pd
import pytest
from typer.testing import CliRunner

from kvarter.disclosure import DisclosurePolicy
from kvarter.disclosure.status import SUPPRESSED
from kvarter.errors import DisclosureError, InputError
from kvarter.store import Store

MIN = 5
#: Ids of households, dwellings, applications and persons in Demodal.
IDS = re.compile(r"H\d{5}|D\d{5}-\d|S20\d\d-\d{4}|P\d{5}-\d")
runner = CliRunner()


@pytest.fixture(scope="module")
def store_path(tmp_path_factory, demodal):
    path = tmp_path_factory.mktemp("housing_publish") / "demodal.duckdb"
    with Store(path) as s:
        s.load_many(demodal)
    return path


@pytest.fixture(scope="module")
def job(store_path):
    from kvarter.jobs.housing import housing_job

    with Store(store_path) as s:
        return housing_job(s, DisclosurePolicy(min_count=MIN), working_list=True)


def test_working_lists_and_per_household_tables_are_refused(demodal):
    from kvarter.housing import checklist, load_pathways
    from kvarter.publish import Publication
    from kvarter.publish.housing import protect_housing, refuse_internal

    c = load_pathways().classify(demodal["households"], demodal["housing_market"])
    cl = checklist(demodal["dwellings"], households=demodal["households"])
    for obj in (c, c.working_list, cl, cl.working_list, demodal["households"], c.working_list.frame):
        with pytest.raises(DisclosureError):
            refuse_internal(obj, "test")
    with pytest.raises(DisclosureError, match="internal"):
        protect_housing(DisclosurePolicy(), pathways=c)
    with pytest.raises(DisclosureError, match="per-household columns"):
        protect_housing(DisclosurePolicy(), needs=c.working_list.frame)
    with pytest.raises(DisclosureError):
        Publication(tables={"pathways": c.working_list}, policy=DisclosurePolicy())


def test_tables_and_parts(job):
    assert job.parts == ("needs", "pathways", "checklist", "stock", "instruments")
    assert set(job.publication.tables) == {"housing_needs", "housing_pathways", "housing_assessment",
                                           "housing_checklist", "housing_population", "housing_stock",
                                           "housing_move_out", "housing_instruments"}
    for name, p in job.publication.tables.items():
        assert not set(p.frame.columns) & {"household_id", "dwelling_id", "application_id", "person_id"}, name


def test_overall_figures_are_the_households_counted_by_hand(job, demodal):
    hh = demodal["households"]
    now = hh[hh["year"] == 2024]
    pub = job.publication
    needs = pub["housing_needs"].frame.set_index(["measure", "level", "unit_id", "year"])
    renting = needs.loc[("renting_share", "all", "all", 2024)]
    rent_n = int(now["tenure"].isin(["social_rent", "municipal_rent", "private_rent"]).sum())
    assert (renting["numerator"], renting["denominator"]) == (rent_n, len(now))
    assert renting["value"] == pytest.approx(rent_n / len(now), abs=1e-12)
    # pathways: the tenants' total and pathway 1 against the working list, counted with pandas
    wl = job.working_list.frame
    tenants = wl[(wl["year"] == 2024) & (wl["tenure"] == "municipal_rent")]
    path = pub["housing_pathways"].frame.set_index(["level", "unit_id", "year", "category"])
    assert path.loc[("all", "all", 2024, "all"), "count"] == len(tenants) == (now["tenure"] == "municipal_rent").sum()
    for cat, n in tenants["pathway"].value_counts().items():
        row = path.loc[("all", "all", 2024, cat)]
        if n >= MIN:
            assert (row["count"], row["share"]) == (n, pytest.approx(n / len(tenants), abs=1e-12)), cat
    # applications assessed for a start loan
    apps = demodal["housing_applications"]
    a24 = apps[apps["year"] == 2024]
    assess = pub["housing_assessment"].frame.set_index(["year"])
    assert (assess.loc[2024, "numerator"], assess.loc[2024, "denominator"]) == (a24["assessed_for_start_loan"].sum(), len(a24))


def _counts(frame: pd.DataFrame, count: str, numerator: str | None):
    for r in frame.to_dict("records"):
        if r[f"{count}_status"] in SUPPRESSED:
            continue
        yield r, r[count], (r[numerator] if numerator else None)


@pytest.mark.parametrize("name,count,numerator", [
    ("housing_needs", "denominator", "numerator"), ("housing_checklist", "denominator", "numerator"),
    ("housing_move_out", "denominator", "numerator"), ("housing_assessment", "denominator", "numerator"),
    ("housing_pathways", "count", None), ("housing_population", "count", None), ("housing_stock", "dwellings", None),
])
def test_every_published_figure_rests_on_at_least_the_minimum(job, name, count, numerator):
    f = job.publication[name].frame
    checked = 0
    for r, n, x in _counts(f, count, numerator):
        assert n == 0 or n >= MIN, (name, r)
        if x is not None and r[f"{numerator}_status"] not in SUPPRESSED and not pd.isna(x):
            assert x == 0 or x >= MIN, (name, r)
            assert n - x == 0 or n - x >= MIN, (name, r)  # the complement rule
        checked += 1
    assert checked


def test_a_share_is_published_only_beside_a_published_total(job):
    for name in ("housing_pathways", "housing_population"):
        f = job.publication[name].frame
        total = f[f["category"] == "all"].set_index(["measure", "level", "unit_id", "year"])["count_status"]
        shown = f[(f["category"] != "all") & (f["share_status"] == "published")]
        keys = pd.MultiIndex.from_frame(shown[["measure", "level", "unit_id", "year"]])
        assert not total.reindex(keys).isin(SUPPRESSED).any(), name


def test_tenants_hidden_in_one_table_are_hidden_in_the_other(job):
    # the pathways' total and the needs' municipal-dwellings numerator count the same households
    path = job.publication["housing_pathways"].frame
    needs = job.publication["housing_needs"].frame
    total = path[path["category"] == "all"].set_index(["level", "unit_id", "year"])["count_status"].isin(SUPPRESSED)
    m = needs[needs["measure"] == "municipal_dwellings_per_1000"].set_index(["level", "unit_id", "year"])
    hidden = m["numerator_status"].isin(SUPPRESSED) | m["denominator_status"].isin(SUPPRESSED)
    both = total.index.intersection(hidden.index)
    assert len(both) > 40
    assert (total.loc[both] <= hidden.loc[both]).all()
    assert (hidden.loc[both] <= total.loc[both]).all()
    published = m[~hidden]
    assert (published.loc[published.index.intersection(both), "numerator"]
            == path[path["category"] == "all"].set_index(["level", "unit_id", "year"]).loc[
                published.index.intersection(both), "count"]).all()


def test_the_intruder_recovers_nothing_from_the_written_files(job, tmp_path):
    from kvarter.disclosure import check_output
    from kvarter.report.housing import render_housing

    render_housing(job.publication, tmp_path, lang=["en"])
    problems = check_output(tmp_path / "tables", min_count=MIN)
    assert problems.empty, problems.head(20).to_string()


def _texts(directory):
    """Every output file's content as text: CSV/HTML/JSON as they are, workbooks unzipped, Parquet read."""
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                yield path, "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        elif path.suffix == ".parquet":
            yield path, pd.read_parquet(path).astype(str).to_csv(index=False)
        else:
            yield path, path.read_text(encoding="utf-8")


def _cli(*args):
    from kvarter.cli.main import app

    result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})
    return result


def test_no_household_id_in_any_output_of_a_housing_run(store_path, tmp_path):
    out = tmp_path / "out"
    internal = tmp_path / "caseworker" / "pathways.internal.csv"
    internal.parent.mkdir()
    for part in ("needs", "pathways", "checklist", "stock", "instruments"):
        extra = ["--working-list", internal] if part == "pathways" else []
        r = _cli("housing", part, "--store", store_path, "--out", out, "--lang", "en,da,no,nl", *extra)
        assert r.exit_code == 0, (part, r.output, r.exception)
        assert not IDS.search(r.output), part
    files = list(_texts(out))
    assert {p.suffix for p, _ in files} >= {".html", ".xlsx", ".csv", ".parquet", ".json"}
    assert len([p for p, _ in files if p.suffix == ".html"]) == 5 * 4 - 0
    for path, text in files:
        hit = IDS.search(text)
        assert hit is None, f"{path} contains {hit.group(0)!r}"
    # the working list, written apart on request, is where the ids are
    wl = internal.read_text(encoding="utf-8")
    assert wl.startswith("# INTERNAL") and IDS.search(wl)


def test_the_working_list_stays_out_of_the_output_folder(store_path, tmp_path):
    r = _cli("housing", "pathways", "--store", store_path, "--out", tmp_path, "--working-list",
             tmp_path / "sub" / "pathways.internal.csv")
    assert r.exit_code != 0 and isinstance(r.exception, InputError) and "inside --out" in str(r.exception)
    r = _cli("housing", "pathways", "--store", store_path, "--working-list", tmp_path / "pathways.csv")
    assert r.exit_code != 0 and "internal" in str(r.exception)
    assert not (tmp_path / "pathways.csv").exists()


def test_commands_print_the_published_figures(store_path, job):
    r = _cli("housing", "pathways", "--store", store_path)
    assert r.exit_code == 0, r.output
    f = job.publication["housing_pathways"].frame
    total = int(f[(f["level"] == "all") & (f["year"] == 2024) & (f["category"] == "all")]["count"].iloc[0])
    unmapped = int(f[(f["level"] == "all") & (f["year"] == 2024) & (f["category"] == "unmapped")]["count"].iloc[0])
    assert f"({total - unmapped} of {total})" in r.output
    assert ".." in r.output  # suppressed area cells
    r = _cli("housing", "instruments", "--model")
    assert r.exit_code == 0 and "Start loan" in r.output


def test_the_housing_section_in_four_languages(job):
    from kvarter.report.housing import housing_sections, housing_sentences

    for lang, title in (("en", "Housing"), ("da", "Bolig"), ("no", "Bolig"), ("nl", "Wonen")):
        sections = housing_sections(job.publication, lang)
        assert [s.title_key for s in sections] == ["housing"]
        kinds = [type(b).__name__ for b in sections[0].blocks]
        assert kinds.count("Chart") >= 6 and kinds.count("Paragraph") >= 3, kinds
    en = housing_sentences(job.publication, "en")
    assert en[0].startswith("Ownership potential mapped for 95% of municipal tenants in 2024")


def test_labels_in_four_languages():
    from kvarter.report.i18n import LABELS, LANGUAGES
    from kvarter.report.i18n_housing import ROWS

    for key in ROWS:
        assert set(LABELS[key]) == set(LANGUAGES) and all(LABELS[key].values()), key


def test_no_households_no_housing(tmp_path):
    from kvarter.jobs.housing import housing_job, housing_tables

    with Store(tmp_path / "empty.duckdb") as s:
        assert housing_tables(s, DisclosurePolicy()) == {}
        with pytest.raises(InputError, match="no households"):
            housing_job(s, DisclosurePolicy())


def test_population_by_age_follows_the_indicator_tables_residents(demodal):
    # the age bands of a unit add up to its residents: hidden there, hidden here
    from kvarter.housing import population_by_age
    from kvarter.publish.housing import protect_housing

    pop = population_by_age(demodal["persons"])
    cell = ("residents", "area", "990105", 2024)
    t = protect_housing(DisclosurePolicy(min_count=MIN), population=pop, hidden={cell})["housing_population"].frame
    mine = t[(t["level"] == "area") & (t["unit_id"] == "990105") & (t["year"] == 2024)]
    assert len(mine) == 8 and mine["count"].isna().all()
    assert set(mine["count_reason"]) == {"depends on a figure suppressed in another published table"}
    other = t[(t["level"] == "area") & (t["unit_id"] == "990101") & (t["year"] == 2024) & (t["category"] == "all")]
    n = int(((demodal["persons"]["area_id"] == "990101") & (demodal["persons"]["year"] == 2024)).sum())
    assert other["count"].tolist() == [n]


@pytest.mark.slow
def test_the_monitor_report_has_a_housing_section_when_the_store_holds_households(tmp_path):
    # Demoby's persons (what the monitor needs) beside Demodal's housing tables
    from kvarter.demo import synthesize
    from kvarter.demo.housing import synthesize_housing
    from kvarter.jobs.monitor import run_report

    d = synthesize(persons=3000, areas=40, schools=16, years=[2023, 2024], seed=0)
    h = synthesize_housing(households=600, years=range(2022, 2025), seed=0)
    with Store(tmp_path / "monitor.duckdb") as s:
        s.load_many({"areas": pd.concat([d["areas"], h["areas"].assign(social_housing=False)], ignore_index=True),
                     "schools": d["schools"], "persons": d["persons"],
                     **{k: v for k, v in h.items() if k not in ("areas", "persons")}})
        result = run_report(s, tmp_path / "out", lang=["en", "no"], policy=DisclosurePolicy(min_count=MIN),
                            permutations=0, bootstrap=0)
        from kvarter.publish.links import hidden_cells

        hidden = hidden_cells(result.publication["indicators"])
    assert {"housing_needs", "housing_pathways", "housing_population", "housing_stock"} <= set(result.tables)
    assert ">Housing</h2>" in result.pages["en"].read_text(encoding="utf-8")
    assert ">Bolig</h2>" in result.pages["no"].read_text(encoding="utf-8")
    # the population by age rests on the indicator table's residents
    pop = result.publication["housing_population"].frame
    totals = pop[(pop["category"] == "all") & (pop["level"] == "area") & (pop["count_status"] == "published")]
    assert len(totals)
    for r in totals.itertuples():
        assert ("residents", "area", r.unit_id, int(r.year)) not in hidden, r
    for path, text in _texts(tmp_path / "out"):
        assert IDS.search(text) is None, path
