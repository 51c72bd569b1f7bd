"""The main job end to end on the synthetic region: every output path is
checked for disclosure, the files work offline, and the real report renders
in a real browser in all four languages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow

MIN_COUNT = 5
LANGS = ("en", "da", "no", "nl")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    from kvarter.demo import synthesize
    from kvarter.demo.school_panel import school_panel_counts
    from kvarter.disclosure import DisclosurePolicy
    from kvarter.jobs.monitor import run_report
    from kvarter.store import Store

    root = tmp_path_factory.mktemp("job")
    data = synthesize(seed=3)
    store = Store(root / "kvarter.duckdb")
    store.load_many({k: data[k] for k in ("areas", "schools", "persons")})
    schools = school_panel_counts(seed=3, municipalities=3, years=range(2016, 2019))
    result = run_report(store, root / "out", lang=list(LANGS), policy=DisclosurePolicy(min_count=MIN_COUNT),
                        schools=schools, permutations=50, bootstrap=50)
    yield store, result
    store.close()


def test_job_writes_every_output(job):
    _, result = job
    assert result.html.name == "report.html" and result.html.is_file()
    assert set(result.pages) == set(LANGS)
    assert result.workbook.is_file()
    for name, path in result.tables.items():
        assert path.is_file() and path.with_suffix(".parquet").is_file(), name
    assert {"criteria_dk-2024", "criteria_city-7", "history", "indicators", "composite_gap",
            "schools_results", "areas_results"} <= set(result.tables)


def test_report_fetches_nothing(job):
    _, result = job
    for page in result.pages.values():
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), page
        assert "@import" not in html and "url(http" not in html


def test_no_published_table_rests_on_too_few_persons_or_can_be_recovered(job):
    from kvarter.disclosure import check_output

    _, result = job
    problems = check_output(result.tables["history"].parent, min_count=MIN_COUNT)
    assert problems.empty, problems.head(20).to_string()


def test_every_published_csv_cell_rests_on_at_least_the_minimum(job):
    # A second, plain reading of the files: every published value sits on a
    # row whose persons count is at least the minimum (or no persons at all).
    _, result = job
    checked = 0
    for name, path in result.tables.items():
        meta = json.loads(Path(f"{path}.disclosure.json").read_text())
        count = meta["count_column"]
        df = pd.read_csv(path)
        status_cols = [c for c in df.columns if c.endswith("_status") and c[: -len("_status")] in df.columns]
        assert status_cols, name
        for sc in status_cols:
            col = sc[: -len("_status")]
            published = df[sc] == "published"
            suppressed = df[sc].isin(["primary", "secondary", "suppressed"])
            assert df.loc[suppressed, col].isna().all(), f"{name}.{col}: a suppressed cell carries a value"
            persons = pd.to_numeric(df.loc[published, count], errors="coerce")
            too_few = published & (pd.to_numeric(df[count], errors="coerce").fillna(0).between(1, MIN_COUNT - 1))
            assert not too_few.any(), f"{name}.{col}: published on fewer than {MIN_COUNT} persons"
            assert persons.notna().all(), f"{name}.{col}: a published value without its count"
            checked += int(published.sum())
    assert checked > 1000


def _hidden(indicators: pd.DataFrame) -> set:
    rows = indicators[indicators["value_status"].isin(["primary", "secondary", "suppressed"])]
    return set(zip(rows["indicator"], rows["level"], rows["unit_id"].astype(str), rows["year"]))


def test_derived_tables_publish_nothing_that_rests_on_a_suppressed_indicator_cell(job):
    # Cross-table attack: each table is protected on its own, so check the
    # links between them independently of kvarter.publish.links.
    store, result = job
    tdir = result.tables["indicators"].parent
    ind = pd.read_csv(tdir / "indicators.csv")
    hidden = _hidden(ind)
    assert hidden, "the demo has small cells; some indicator cells must be suppressed"
    have = set(ind["indicator"])

    # 1. Criteria: a single-year or pooled criterion rests on its indicator's area cells.
    from kvarter.screening import load_ruleset

    checked = 0
    for path in tdir.glob("criteria_*.csv"):
        crit = pd.read_csv(path)
        rs = load_ruleset(path.stem[len("criteria_"):])
        for r in crit[crit["value_status"] == "published"].itertuples():
            ind_id = rs.criteria[r.criterion].indicator
            base, years = ind_id, 1
            for suffix, n in (("_2y", 2), ("_4y", 4)):
                if base.endswith(suffix):
                    base, years = base[: -len(suffix)], n
            base = base.split("_ratio_to_")[0]
            if base not in have:
                continue
            for y in range(result.year - years + 1, result.year + 1):
                assert (base, "area", str(r.area_id), y) not in hidden, (path.name, r.area_id, r.criterion, y)
                checked += 1
    assert checked > 50

    # 2. Trends: designated areas pooled, and the rest = municipality - designated.
    areas = store.read("areas").astype({"area_id": str})
    parents = set(areas["parent_area"].dropna().astype(str))
    leaves = areas[~areas["area_id"].isin(parents) & (areas["municipality"] == result.municipality)]
    des = store.read("designations")
    des = set(des.loc[(des["year"] == result.year) & des["designated"].astype(bool), "area_id"].astype(str))
    parent = dict(zip(areas["area_id"], areas["parent_area"]))
    pool = {a for a in leaves["area_id"] if a in des or parent.get(a) in des}
    assert pool
    for path in tdir.glob("trend_*.csv"):
        indicator = path.stem[len("trend_"):]
        t = pd.read_csv(path)
        for y, g in t.groupby("year"):
            pub = dict(zip(g["group"], g["value_status"] == "published"))
            if pub.get("designated"):
                assert not any((indicator, "area", a, y) in hidden for a in pool), (indicator, y)
            if pub.get("rest") and (indicator, "municipality", result.municipality, y) not in hidden:
                assert pub.get("designated"), (indicator, y, "rest published next to a hidden designated pool")

    # 3. The list history's resident counts.
    h = pd.read_csv(tdir / "history.csv")
    for r in h[h["residents_status"] == "published"].itertuples():
        assert ("residents", "area", str(r.area_id), r.year) not in hidden, (r.area_id, r.year)


def test_designations_are_kept_in_the_store_and_match_the_history_table(job):
    store, result = job
    stored = store.read("designations")
    latest = stored[(stored["year"] == result.year) & stored["designated"].astype(bool)]
    assert {lid: sorted(p["area_id"].astype(str)) for lid, p in latest.groupby("list")} == result.designated
    assert result.designated.get("udsat_boligomraade"), "the demo region has deprived housing areas"


def test_workbook_never_shows_a_suppressed_value(job):
    openpyxl = pytest.importorskip("openpyxl")
    _, result = job
    from kvarter.report.i18n import label

    wb = openpyxl.load_workbook(result.workbook, read_only=True)
    # Headers are in the report's first language: "Value (status)" follows "Value".
    status_suffix = f" ({label('status', LANGS[0]).lower()})"
    seen_suppressed = 0
    for ws in wb.worksheets[1:]:  # the first sheet explains the workbook
        rows = list(ws.iter_rows(values_only=True))
        if not rows:
            continue
        header = list(rows[0])
        for j, h in enumerate(header):
            if isinstance(h, str) and h.endswith(status_suffix) and h[: -len(status_suffix)] == header[j - 1]:
                v = j - 1
                for r in rows[1:]:
                    if r[j] in ("primary", "secondary", "suppressed"):
                        seen_suppressed += 1
                        assert r[v] in (None, ""), f"{ws.title}: {h[:-7]} shows {r[v]!r} for a suppressed cell"
    assert seen_suppressed > 0, "the demo has small cells; some must be suppressed"


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
def test_real_report_renders_in_a_browser(job, lang):
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("/usr/bin/chromium is missing (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    _, result = job
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=args, headless=True)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(result.pages[lang].as_uri())
        page.wait_for_load_state("load")
        assert page.get_attribute("html", "lang") == lang
        svgs = page.query_selector_all("svg.kv-chart") + page.query_selector_all("svg.kv-map")
        assert len(page.query_selector_all("svg.kv-map")) >= 1
        assert len(page.query_selector_all("svg.kv-heatmap")) >= 1
        assert len(page.query_selector_all("svg.kv-line-chart")) >= 1
        assert len(page.query_selector_all("svg.kv-bar-chart")) >= 1
        for svg in svgs:
            box = svg.bounding_box()
            assert box and box["width"] > 100 and box["height"] > 50, svg.get_attribute("aria-label")
        area = page.locator("svg.kv-map path.kv-area").first
        area.scroll_into_view_if_needed()
        area.hover()
        assert page.locator(".kv-infobox").first.is_visible()
        assert "\n" in page.locator(".kv-infobox").first.inner_text()
        if lang == "en":
            SHOTS.mkdir(parents=True, exist_ok=True)
            for section in ("map", "designations", "history", "profiles", "trends",
                            "segregation-schools", "segregation-areas", "methods"):
                loc = page.locator(f"section#{section}")
                if loc.count():
                    loc.first.screenshot(path=str(SHOTS / f"demo_{section}.png"))
        browser.close()
    assert errors == []
    assert all(u.startswith("file://") for u in requests), requests


def test_suppressed_chart_values_are_drawn_as_suppressed_not_left_out(job):
    _, result = job
    tdir = result.tables["indicators"].parent
    html = result.html.read_text(encoding="utf-8")
    profiles = [pd.read_csv(p) for p in tdir.glob("profile_*.csv")]
    hidden_bars = sum(int(p["value_status"].isin(["primary", "secondary", "suppressed"]).sum()) for p in profiles)
    assert html.count("kv-bar kv-suppressed") == hidden_bars
    trends = [pd.read_csv(p) for p in tdir.glob("trend_*.csv")]
    if any(t["value_status"].isin(["primary", "secondary", "suppressed"]).any() for t in trends):
        assert "kv-line-chart" in html and "kv-suppressed" in html


def test_no_category_or_shared_count_gives_a_hidden_cell_back(job):
    # Categories that add up to one population (employment status, household
    # types, education levels) and indicators counting the same persons are
    # attacked together: a lone hidden category would be the total minus the
    # others, and a hidden count published under a sibling is not hidden.
    _, result = job
    ind = pd.read_csv(result.tables["indicators"].parent / "indicators.csv")
    groups = {
        "employment": ["employed_share_18_64", "unemployed_share_18_64", "outside_labour_force_share_18_64"],
        "households": ["household_single_no_children_share", "household_single_with_children_share",
                       "household_couple_no_children_share", "household_couple_with_children_share",
                       "household_other_share"],
        "education": [f"education_{e}_share_15_64" for e in ("basic", "upper_secondary", "vocational",
                                                              "short_tertiary", "medium_tertiary", "long_tertiary")],
        "crime": ["charged_per_1000", "charges_per_1000", "convicted_per_1000"],
    }
    hidden = ind["value_status"].isin(["primary", "secondary", "suppressed"])
    count_hidden = ind["persons_status"].isin(["primary", "secondary", "suppressed"])
    checked = 0
    for name, ids in groups.items():
        sub = ind[ind["indicator"].isin(ids)]
        for _, g in sub.groupby(["level", "unit_id", "year"]):
            h = hidden[g.index]
            if name != "crime":  # categories of one total: all hidden or none
                assert h.all() or not h.any(), g[["indicator", "value_status"]]
            ch = count_hidden[g.index]
            assert ch.all() or not ch.any(), g[["indicator", "persons_status"]]
            checked += 1
    assert checked > 100


def test_published_files_name_no_rule_a_reader_could_bound_a_cell_by(job):
    # "primary: fewer than 5 persons in the numerator" tells a reader the cell
    # is 1-4: files, workbook and HTML say "suppressed" and one reason for
    # every rule (a cell linked to another table says so).
    openpyxl = pytest.importorskip("openpyxl")
    _, result = job
    tdir = result.tables["indicators"].parent
    statuses, reasons = set(), set()
    for path in tdir.glob("*.csv"):
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        for c in df.columns:
            if c.endswith("_status"):
                statuses |= set(df[c])
            if c.endswith("_reason"):
                reasons |= set(df[c])
    assert statuses <= {"published", "suppressed", "structural_zero"} and "suppressed" in statuses
    assert not any("fewer than" in r or "complement" in r or "dominance" in r for r in reasons), reasons
    html = "".join(p.read_text(encoding="utf-8") for p in result.pages.values())
    # The rules' own words (kvarter.disclosure.protected.REASONS), in any language the pages are in.
    from kvarter.disclosure import DisclosurePolicy
    from kvarter.disclosure.protected import REASONS, reason_text

    policy = DisclosurePolicy(min_count=MIN_COUNT)
    rule_words = {reason_text(code, {}, policy, lg).split("'")[0] for lg in REASONS
                  for code in ("persons", "numerator", "complement", "dominance", "secondary")}
    assert not [w for w in rule_words if w and w in html], [w for w in rule_words if w and w in html]
    assert "primary suppression" not in html
    wb = openpyxl.load_workbook(result.workbook, read_only=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and v in ("primary", "secondary") for v in row)
