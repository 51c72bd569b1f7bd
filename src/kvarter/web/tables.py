"""Protected tables as the web app shows them: JSON records and HTML tables,
both from :meth:`Protected.public_frame` — values with their public status
and reason, a suppressed value empty (``null``), never a number.

The public frame of each table is made once per language and kept (the
publication does not change while the server runs); pages filter its rows.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from kvarter.disclosure import Protected, ensure_protected
from kvarter.report.i18n import format_number, label
from kvarter.web.labels import t

SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class View:
    """One published table as pages read it: the public frame in a language,
    its key and value columns, and its name."""

    name: str
    frame: pd.DataFrame
    key: tuple[str, ...]
    value_columns: tuple[str, ...]

    def where(self, **equal) -> "View":
        """The rows whose columns equal the given values (strings compared as strings)."""
        f = self.frame
        mask = pd.Series(True, index=f.index)
        for col, want in equal.items():
            if col not in f.columns:
                return View(self.name, f.iloc[0:0], self.key, self.value_columns)
            mask &= f[col].astype(str) == str(want)
        return View(self.name, f[mask], self.key, self.value_columns)

    def __len__(self) -> int:
        return len(self.frame)


_CACHE: dict[tuple[int, str], tuple[Protected, View]] = {}
_LOCK = threading.Lock()


def view(protected: Protected, lang: str, name: str | None = None) -> View:
    """The public frame of ``protected`` in ``lang`` (made once, then reused).

    >>> from kvarter.disclosure import DisclosurePolicy, protect
    >>> p = protect(pd.DataFrame({"a": ["A", "B"], "n": [3, 40]}), DisclosurePolicy(), key=["a"],
    ...             value_columns=["n"], count_column="n")
    >>> v = view(p, "en")
    >>> v.frame["n_status"].tolist(), v.value_columns
    (['suppressed', 'published'], ('n',))
    """
    k = (id(protected), lang)
    with _LOCK:
        hit = _CACHE.get(k)
    if hit is not None and hit[0] is protected:
        return hit[1]
    # Checked once, when the table is first read; the view keeps its own copy of the public frame.
    ensure_protected(protected, "kvarter.web")
    frame = protected.public_frame(lang)
    values = tuple(c for c in frame.columns if f"{c}_status" in frame.columns)
    key = tuple(c for c in protected.key if c in frame.columns)
    v = View(name or protected.name, frame.reset_index(drop=True), key, values)
    # Keep a reference to the table, so an id is never reused for another one.
    with _LOCK:
        _CACHE[k] = (protected, v)
    return v


def _plain(value):
    """A JSON-ready scalar: NaN/NA → None, numpy → Python, dates → ISO text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    return str(value)


def records(v: View, columns=None) -> list[dict]:
    """The rows of ``v`` as JSON records; each value column ``c`` with ``c_status`` and ``c_reason``.

    >>> from kvarter.disclosure import DisclosurePolicy, protect
    >>> p = protect(pd.DataFrame({"a": ["A", "B"], "n": [3, 40]}), DisclosurePolicy(), key=["a"],
    ...             value_columns=["n"], count_column="n")
    >>> records(view(p, "en"))[0]
    {'a': 'A', 'n': None, 'n_status': 'suppressed', 'n_reason': 'to protect the confidentiality of persons'}
    """
    cols = _columns(v, columns)
    out_cols = []
    for c in cols:
        out_cols.append(c)
        if c in v.value_columns:
            out_cols += [f"{c}_status", f"{c}_reason"]
    f = v.frame[out_cols]
    rows = []
    for row in f.itertuples(index=False, name=None):
        rec = {c: _plain(x) for c, x in zip(out_cols, row)}
        for c in cols:
            if c in v.value_columns and rec.get(f"{c}_status") == SUPPRESSED:
                rec[c] = None  # never a number where the cell is suppressed
        rows.append(rec)
    return rows


def _columns(v: View, columns) -> list[str]:
    if columns is None:
        return [c for c in v.frame.columns if not c.endswith(("_status", "_reason")) or c[: c.rfind("_")] not in v.value_columns]
    return [c for c in columns if c in v.frame.columns]


def table_json(v: View, columns=None) -> dict:
    """A table for a page's JSON twin: its name, columns, value columns and records.

    >>> from kvarter.disclosure import DisclosurePolicy, protect
    >>> p = protect(pd.DataFrame({"a": ["A", "B"], "n": [3, 40]}), DisclosurePolicy(), key=["a"],
    ...             value_columns=["n"], count_column="n")
    >>> tj = table_json(view(p, "en"))
    >>> tj["columns"], tj["value_columns"], tj["rows"][1]["n"]
    (['a', 'n'], ['n'], 40.0)
    """
    cols = _columns(v, columns)
    return {"name": v.name, "columns": cols, "value_columns": [c for c in cols if c in v.value_columns],
            "rows": records(v, cols)}


def format_value(value, lang: str, column: str = "") -> str:
    """A value for people, in the report's number formats (``format_number`` in ``lang``):
    whole numbers without decimals, small fractions with three, others with two;
    a year as it is; booleans as yes/no.

    >>> format_value(1234.0, "da"), format_value(0.4567, "en"), format_value(2024, "en", "year")
    ('1.234', '0.457', '2024')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return label("yes" if value else "no", lang)
    if isinstance(value, (int, float)):
        if column == "year" or column.endswith("_year"):
            return str(int(value)) if float(value).is_integer() else str(value)
        x = float(value)
        if x.is_integer():
            return format_number(x, lang, 0)
        return format_number(x, lang, 3 if abs(x) < 1 else 2)
    return label(str(value), lang)


def html_table(table: dict, lang: str, *, caption: str = "", links: dict | None = None) -> Markup:
    """An HTML table from :func:`table_json`: suppressed cells say so, with their reason, and show no number.

    ``links`` maps a column to a function of the row giving a link target.

    >>> tab = {"columns": ["a", "n"], "value_columns": ["n"], "rows": [
    ...     {"a": "A", "n": None, "n_status": "suppressed", "n_reason": "to protect the confidentiality of persons"},
    ...     {"a": "B", "n": 1200, "n_status": "published", "n_reason": ""}]}
    >>> html = html_table(tab, "da")
    >>> "udeladt" in html, "to protect the confidentiality of persons" in html, "1.200" in html
    (True, True, True)
    """
    links = links or {}
    cols = table["columns"]
    values = set(table["value_columns"])
    head = "".join(f'<th scope="col">{escape(t(c, lang))}</th>' for c in cols)
    body = []
    for rec in table["rows"]:
        cells = []
        for c in cols:
            v = rec.get(c)
            num = isinstance(v, (int, float)) and not isinstance(v, bool)
            if c in values and rec.get(f"{c}_status") == SUPPRESSED:
                why = rec.get(f"{c}_reason") or ""
                cells.append(f'<td class="kv-supp" data-status="suppressed" title="{escape(why)}">'
                             f'<span class="kv-supp-mark">{escape(t("suppressed", lang))}</span> '
                             f'<span class="kv-reason">({escape(why)})</span></td>')
                continue
            text = escape(format_value(v, lang, c))
            if c in links and v is not None:
                href = links[c](rec)
                if href:
                    text = Markup(f'<a href="{escape(href)}">{text}</a>')
            extra = ""
            if c in values and rec.get(f"{c}_status") == "structural_zero":
                extra = f' title="{escape(rec.get(f"{c}_reason") or "")}"'
            cells.append(f'<td class="{"kv-num" if num else ""}"{extra}>{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    if not body:
        return Markup(f'<p class="kv-empty">–</p>')
    return Markup(f'<div class="kv-table-wrap"><table class="kv-table">{cap}<thead><tr>{head}</tr></thead>'
                  f'<tbody>{"".join(body)}</tbody></table></div>')
