"""Issue 9, "no internal keys on screen": the demo's report in every language
and its workbook show words, never a snake_case identifier such as
``work_gap`` or ``earlier_spells``.

The report is the one ``kvarter demo`` writes (a small region so the test
stays minutes, not tens of minutes); only what a reader sees is read: text
nodes, SVG ``<text>``/``<title>``, and the attributes a reader is shown
(tooltips, the map's info box) — not class names, ids, links or scripts.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

LANGS = ("en", "da", "no", "nl")

#: A snake_case identifier standing alone (not inside a file name or a path).
SNAKE = re.compile(r"(?<![A-Za-z0-9_.\-/])[a-z]+(?:_[a-z0-9]+)+(?![A-Za-z0-9_])")

#: Attributes whose text the reader sees: tooltips, the accessible names a
#: screen reader speaks, and the map's info box (data-info / data-name are
#: copied into it by the page's script).
SHOWN_ATTRIBUTES = {"title", "aria-label", "alt", "placeholder", "data-info", "data-name"}


class _Visible(HTMLParser):
    """Collect (where, text) for the text a reader sees.

    Text inside ``<code>`` is left out: the report marks as code exactly the
    names a reader must type or look up as they are — the store's table
    names, the loaded files and the published table files of the methods
    section ("how to reproduce").
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.code = 0
        self.heading = ""
        self.in_heading = False
        self.texts: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        if tag == "code":
            self.code += 1
        if tag in ("h2", "h3"):
            self.in_heading, self.heading = True, ""
        for k, v in attrs:
            if k in SHOWN_ATTRIBUTES and v:
                self.texts.append((f"{self.heading.strip()} @{k}", v))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden -= 1
        if tag == "code":
            self.code -= 1
        if tag in ("h2", "h3"):
            self.in_heading = False

    def handle_data(self, data):
        if self.hidden:
            return
        if self.in_heading:
            self.heading += data
        if not self.code and data.strip():
            self.texts.append((self.heading.strip(), data))


def visible_texts(html: str) -> list[tuple[str, str]]:
    p = _Visible()
    p.feed(html)
    return p.texts


def snake_hits(texts) -> dict[str, tuple[str, str]]:
    """Each identifier found, with the first place and text it was seen in."""
    hits: dict[str, tuple[str, str]] = {}
    for where, text in texts:
        for m in SNAKE.finditer(text):
            hits.setdefault(m.group(0), (where, text[:120]))
    return hits


def test_the_scanner_reads_only_what_a_reader_sees():
    html = ('<html><head><style>.kv_x{}</style></head><body><h2>Goals</h2><p class="kv_note">Work gap</p>'
            '<svg><text>worked_12</text><title>a tooltip with job_training</title></svg>'
            '<a href="tables/areas_results.csv" id="sec_goals">file</a><code>area_figures</code>'
            '<td title="suppressed: cell sum_value">x</td><script>const a_b = 1;</script></body></html>')
    assert sorted(snake_hits(visible_texts(html))) == ["job_training", "sum_value", "worked_12"]


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory) -> Path:
    from typer.testing import CliRunner

    from kvarter.cli.main import app

    root = tmp_path_factory.mktemp("demo")
    res = CliRunner().invoke(app, ["demo", "--store", str(root / "k.duckdb"), "--out", str(root / "out"),
                                   "--lang", ",".join(LANGS), "--persons", "3000"])
    assert res.exit_code == 0, res.output
    return root / "out"


@pytest.mark.parametrize("lang", LANGS)
def test_the_demo_report_shows_no_internal_key(demo_out, lang):
    page = demo_out / ("report.html" if lang == "en" else f"report.{lang}.html")
    hits = snake_hits(visible_texts(page.read_text(encoding="utf-8")))
    assert not hits, "\n".join(f"{k}: {where!r}: {text!r}" for k, (where, text) in sorted(hits.items()))


#: Ids that a definition names as the input data spells them (the persons
#: file's column ``in_youth_education``): what a user must look up in their
#: own data, so shown as it is (marked as code in the report's methods).
INPUT_COLUMNS = {"in_youth_education"}
#: The ``unit`` field of the catalogue as its YAML spells it (share, count,
#: mean, per_1000), which a user writes in their own catalogue; the About
#: sheet gives it beside each indicator's name and definition.
CATALOGUE_UNITS = {"per_1000"}
#: A cell that is an id and nothing else: ``work_gap``, ``atkinson_0.1``, ``education=long_tertiary``.
ID_CELL = re.compile(r"[a-z][a-z0-9_.]*(?:=[a-z0-9_.]+)?")


def _workbook_hits(path: Path, lang: str = "en") -> dict[str, tuple[str, str]]:
    """Snake-case text in the workbook's headers and cells.

    A sentence never carries an id. A cell that is an id and nothing else
    (an indicator, a goal, a status code …) is allowed only beside its words:
    in a data sheet, a column whose name column is in the sheet ("Indicator
    name" or "Name" right after it, or "<its header> (name)"), or a status
    column (its codes are worded in the reason column beside it); on the About
    sheet, a row that also holds the words (the setting's name, the header of
    a column). Sheet titles are left out: Excel limits them to 31 characters
    and they are the published tables' file names, which the About sheet
    lists beside each sheet's headers.
    """
    import openpyxl

    from kvarter.report.i18n import label

    name_word, status_word = label("name", lang).lower(), label("status", lang).lower()
    book = openpyxl.load_workbook(path, read_only=True)
    texts: list[tuple[str, str]] = []

    def bare(v) -> bool:
        return isinstance(v, str) and ID_CELL.fullmatch(v) is not None

    def words(v) -> bool:
        return isinstance(v, str) and v.strip() != "" and not SNAKE.search(v)

    for ws in book.worksheets:
        rows = ws.iter_rows(values_only=True)
        if ws.title == book.sheetnames[0]:  # About
            for r in rows:
                worded = any(words(v) for v in r)
                texts += [(ws.title, v) for v in r if isinstance(v, str) and not (bare(v) and worded)]
            continue
        header = [h if isinstance(h, str) else "" for h in next(rows, ())]
        texts += [(f"{ws.title} header", h) for h in header]
        present = set(header)
        named = {i for i, h in enumerate(header)
                 if f"{h} ({name_word})" in present or h.endswith(f"({status_word})")
                 or (i + 1 < len(header) and header[i + 1] in NAME_HEADERS)}
        for r in rows:
            texts += [(f"{ws.title}: {header[i]}", v) for i, v in enumerate(r)
                      if isinstance(v, str) and not (bare(v) and i in named)]
    return {k: v for k, v in snake_hits(texts).items() if k not in INPUT_COLUMNS | CATALOGUE_UNITS}


#: The headers of the name columns the workbook puts right after an id column.
NAME_HEADERS = {"Name", "Indicator name", "Area"}


def test_the_demo_workbook_shows_no_internal_key_without_its_name(demo_out):
    hits = _workbook_hits(demo_out / "kvarter.xlsx")
    assert not hits, "\n".join(f"{k}: {where!r}: {text!r}" for k, (where, text) in sorted(hits.items()))
