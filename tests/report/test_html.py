"""The self-contained HTML report."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from kvarter.errors import DisclosureError, InputError
from kvarter.report.html import Paragraph, Section, Table, render_report, write_report


@pytest.fixture
def report_html(build_report, tmp_path):
    return build_report(tmp_path / "report.html", "en").read_text(encoding="utf-8")


def test_report_is_one_file_with_no_reference_to_anything_outside(report_html):
    # Every URL in the file is the SVG namespace; nothing is loaded from anywhere.
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", report_html))
    assert urls == {"http://www.w3.org/2000/svg"}
    assert not re.search(r"<(link|img|iframe|object|embed)\b", report_html)
    assert not re.search(r"<script[^>]*\bsrc=", report_html)
    assert "@import" not in report_html and "url(http" not in report_html
    assert "@font-face" not in report_html


def test_report_has_contents_and_every_section(report_html):
    toc = re.search(r'<nav class="kv-toc".*?</nav>', report_html, re.S).group(0)
    titles = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', toc)
    assert titles == [
        ("map", "Map and designations"), ("designations", "Designation tables"),
        ("profiles", "Area profiles"), ("trends", "Trends"), ("segregation", "Segregation"),
        ("methods", "Methods"),
    ]
    for anchor, _ in titles:
        assert f'<section class="kv-section" id="{anchor}"' in report_html
    assert report_html.count('<svg xmlns="http://www.w3.org/2000/svg" viewBox') == 4  # map + 3 charts


def test_suppressed_cells_show_the_reason_and_never_the_value(report_html):
    designations = re.search(r'id="designations".*?</section>', report_html, re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", designations, re.S)
    nordvest_youth = [r for r in rows if "Nordvest" in r and "youth education" in r][0]  # named, not keyed
    # value 80.0%, threshold 75.0%, met, margin and the count: all suppressed with the reason
    assert nordvest_youth.count('class="kv-num kv-supp"') == 5
    assert "to protect the confidentiality of persons" in nordvest_youth
    assert "80.0%" not in nordvest_youth and ">0<" not in nordvest_youth
    assert "× = suppressed" in designations
    tingbjerg = [r for r in rows if "Tingbjerg/Husum" in r and "labour-market attachment" in r][0]
    assert re.findall(r"<td[^>]*>([^<]*)</td>", tingbjerg) == [
        "Tingbjerg/Husum", "labour-market attachment", "1,800", "46.0%", "40.0%", "yes", "0.06"]


def test_methods_section_counts_what_was_suppressed(report_html):
    methods = re.search(r'id="methods".*?</section>', report_html, re.S).group(0)
    assert "Demoby synthetic register" in methods and "120,345" in methods and "copenhagen_2025" in methods
    summary = methods.split("What was suppressed and why")[1]
    rows = [re.findall(r"<td>([^<]*)</td>", r) for r in re.findall(r"<tr>(.*?)</tr>", summary, re.S)]
    rows = [r for r in rows if r]
    # designations: 1 row × 5 columns; Table 1: Cby × 5 columns (the other tables are charts)
    assert rows == [
        ["Copenhagen 2025", "Persons", "suppressed", "to protect the confidentiality of persons", "1"],
        ["Copenhagen 2025", "Value", "suppressed", "to protect the confidentiality of persons", "1"],
        ["Copenhagen 2025", "Threshold", "suppressed", "to protect the confidentiality of persons", "1"],
        ["Copenhagen 2025", "Met", "suppressed", "to protect the confidentiality of persons", "1"],
        ["Copenhagen 2025", "Margin", "suppressed", "to protect the confidentiality of persons", "1"],
        ["Table 1", "Persons", "suppressed", "to protect the confidentiality of persons", "1"],
        ["Table 1", "Average pupils", "suppressed", "to protect the confidentiality of persons", "1"],
        ["Table 1", "Schools", "suppressed", "to protect the confidentiality of persons", "1"],
        ["Table 1", "Schools per 1,000 pupils", "suppressed", "to protect the confidentiality of persons", "1"],
        ["Table 1", "non-western", "suppressed", "to protect the confidentiality of persons", "1"],
    ]


@pytest.mark.parametrize(
    "lang, heading, percent",
    [("en", "Designation tables", "46.0%"), ("da", "Udpegningstabeller", "46,0\u00a0%"),
     ("no", "Utpekingstabeller", "46,0\u00a0%"), ("nl", "Aanwijzingstabellen", "46,0\u00a0%")],
)
def test_report_speaks_each_language(build_report, tmp_path, lang, heading, percent):
    html = build_report(tmp_path / f"report_{lang}.html", lang).read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in html
    assert f">{heading}</h2>" in html
    assert f"<td class=\"kv-num\">{percent}</td>" in html


def test_table1_has_a_bar_per_published_cell(report_html):
    table1 = re.search(r'<table class="kv-table kv-table-bars">.*?</table>', report_html, re.S).group(0)
    # 3 municipalities × 5 columns (with the count), Cby's 5 suppressed
    assert table1.count('class="kv-cellbar"') == 10
    assert table1.count("kv-supp") == 5
    assert "30,100" in table1 and "34.0%" in table1


def test_a_plain_dataframe_is_refused(tmp_path):
    df = pd.DataFrame({"area": ["Aby"], "n": [3]})
    with pytest.raises(DisclosureError, match="section 'profiles', block 0"):
        write_report(tmp_path / "r.html", [Section("profiles", [Table(df)])], lang="en", title="x")
    assert not (tmp_path / "r.html").exists()


def test_bad_inputs_are_named():
    with pytest.raises(InputError, match="'lang' parameter of write_report"):
        render_report([], lang="sv", title="x")
    with pytest.raises(InputError, match=r"sections\[0\] passed to write_report is a str"):
        render_report(["map"], lang="en", title="x")
    with pytest.raises(InputError, match="expected Paragraph, Heading, Chart, Map or Table"):
        render_report([Section("map", ["<svg/>"])], lang="en", title="x")


def test_text_is_escaped():
    html = render_report([Section("trends", [Paragraph("<script>alert(1)</script>")])], lang="en", title="<b>")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<title>&lt;b&gt;</title>" in html
